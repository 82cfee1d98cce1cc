import { z } from "zod";
import { mayBeActive } from "../src/domain/status.js";
import { activeJobs, describeJob, unknownStatusNote } from "../src/domain/targets.js";
import { batchRef } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "cancel_batch";

export const input = batchRef;

export default defineTool({
  name,
  title: "Cancel batch",
  description: "Stop a whole running batch: every active tier and job. Asks for confirmation.",
  input,
  output: {
    outcome: z.enum(["canceled", "not_active"]),
    batch_id: z.string(),
    status: z.string().nullable(),
    task_id: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["getBatch", "cancelBatch"],
  async plan(ref, { api, signal }) {
    const { data: batch } = await api.call("getBatch", { params: ref }, signal);
    // Only a status known to be final means there is nothing to cancel.
    if (!mayBeActive(batch.status)) {
      return { result: { outcome: "not_active" as const, batch_id: ref.batch_id, status: batch.status ?? null, task_id: batch.task_id ?? null, recommendations: [] } };
    }
    const tiers = batch.tier_tasks ?? [];
    const jobs = tiers.flatMap(activeJobs);
    const pending = tiers.filter((t) => t.status === "PENDING").map((t) => t.tier_num);
    return {
      plan: {
        action: "Cancel batch",
        target: `batch ${ref.batch_id} (${batch.status}, ${batch.object_ids?.length ?? "?"} objects)`,
        affects: [
          ...jobs.map((job) => `stops ${describeJob(job)}`),
          ...(pending.length ? [`tier(s) ${pending.join(", ")} will not run`] : []),
          ...unknownStatusNote(`Batch ${ref.batch_id}`, batch.status),
        ],
        fingerprint: `${batch.status}|${jobs.map((j) => j.ray_job_id).sort().join(",")}`,
      },
    };
  },
  async run(ref, { api, signal }) {
    const { data } = await api.call("cancelBatch", { params: ref }, signal);
    return {
      outcome: "canceled" as const,
      batch_id: ref.batch_id,
      status: data.status ?? null,
      task_id: data.task_id ?? null,
      recommendations: [],
    };
  },
});
