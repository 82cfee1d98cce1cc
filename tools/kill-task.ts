import { z } from "zod";
import { NotFoundError } from "../src/api/errors.js";
import { step } from "../src/domain/next-steps.js";
import { mayBeActive } from "../src/domain/status.js";
import { unknownStatusNote } from "../src/domain/targets.js";
import { clip } from "../src/domain/views.js";
import { taskIdArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "kill_task";

export const input = { task_id: taskIdArg };

export default defineTool({
  name,
  title: "Kill task",
  description: "Kill a running async task by task_id (a batch's processing task stops the batch); for tasks no batch tool can stop. Asks for confirmation.",
  input,
  output: {
    outcome: z.enum(["killed", "not_active", "not_found"]),
    task_id: z.string(),
    status: z.string().nullable(),
    message: z.string().nullable(),
    recommendations,
  },
  // The API's kill is idempotent: a finished or unknown task is answered as killed.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  toolset: "admin",
  operations: ["getTask", "killTask"],
  async plan({ task_id }, { api, signal }) {
    let task;
    try {
      ({ data: task } = await api.call("getTask", { params: { task_id } }, signal));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      return { result: { outcome: "not_found" as const, task_id, status: null, message: `The API knows no task ${task_id} (it may have expired); nothing to kill.`, recommendations: [] } };
    }
    // Only a status known to be final means there is nothing to kill.
    if (!mayBeActive(task.status)) {
      return { result: { outcome: "not_active" as const, task_id, status: task.status ?? null, message: null, recommendations: [] } };
    }
    const batchId = typeof task.additional_data?.["batch_id"] === "string" ? task.additional_data["batch_id"] : undefined;
    return {
      plan: {
        action: "Kill task",
        target: `task ${task_id} (${task.task_type ?? "type unknown"}, ${task.status})`,
        affects: [
          batchId ? `stops batch ${batchId}: every running tier and job` : "stops the task's work; what it finished stays done",
          ...unknownStatusNote(`Task ${task_id}`, task.status),
        ],
        // Still running (in whatever stage) is what the user agreed to stop; a kill of a task that
        // finished meanwhile changes nothing, so only the task's kind and target bind the token.
        fingerprint: `${task.task_type}|${batchId ?? ""}`,
      },
    };
  },
  async run({ task_id }, { api, signal }) {
    const { data } = await api.call("killTask", { params: { task_id } }, signal);
    return {
      outcome: "killed" as const,
      task_id,
      status: null,
      message: clip(data.message) ?? null,
      recommendations: [step("get_task", { task_id }, "Check the task", "get_task shows the task's final status.")],
    };
  },
});
