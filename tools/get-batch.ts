import { BatchView, batchView } from "../src/domain/views.js";
import { nextStepsForStatus } from "../src/domain/recommend.js";
import { batchRef } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

export const name = "get_batch";

export const input = batchRef;

export default defineTool({
  name,
  title: "Get batch",
  description: "A batch's status per tier: progress, extractor jobs with ray_job_id, last activity, submission resources, error summary and stage timings.",
  input,
  output: { ...BatchView.shape, recommendations },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["getBatch"],
  async run(ref, { api, signal }) {
    const { data } = await api.call("getBatch", { params: ref }, signal);
    const view = batchView(data);
    return { ...view, recommendations: nextStepsForStatus(view.status, ref) };
  },
});
