import { z } from "zod";
import { waitStep } from "../src/domain/next-steps.js";
import { ResourcesView, clip, resourcesView } from "../src/domain/views.js";
import { tierRef } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";

const GIB = 2 ** 30;

export const name = "retry_tier";

export const input = {
  ...tierRef,
  requires_gpu: z.boolean().optional().describe("Run on a GPU node"),
  num_cpus: z.number().positive().max(128).optional().describe("CPUs per worker, e.g. 4"),
  memory_bytes: z.number().int().min(256 * 2 ** 20).max(1024 * GIB).optional().describe("Memory per worker in bytes, e.g. 17179869184 (16 GiB)"),
  priority: z.number().int().min(0).max(1000).optional().describe("Scheduling priority, e.g. 50"),
};

export default defineTool({
  name,
  title: "Retry tier with new resources",
  description: "Rerun a FAILED or CANCELED tier, optionally with more memory, CPUs, a GPU or another priority (e.g. after an out-of-memory kill). Later tiers rerun after it.",
  input,
  output: {
    outcome: z.literal("retrying"),
    batch_id: z.string(),
    tier_num: z.number(),
    status: z.string().nullable(),
    task_id: z.string().nullable(),
    ray_job_ids: z.array(z.string()),
    submission_params: ResourcesView.nullable(),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  toolset: "triage",
  operations: ["retryTier"],
  async run({ bucket, batch_id, tier_num, requires_gpu, num_cpus, memory_bytes, priority }, { api, signal }) {
    const overrides = Object.fromEntries(Object.entries({ requires_gpu, num_cpus, memory_bytes, priority }).filter(([, v]) => v !== undefined));
    const { data } = await api.call("retryTier", { params: { bucket, batch_id, tier_num }, body: overrides }, signal);
    return {
      outcome: "retrying" as const,
      batch_id,
      tier_num,
      status: data.status ?? null,
      task_id: data.task_id ?? null,
      ray_job_ids: data.ray_job_ids ?? [],
      submission_params: resourcesView(data.submission_params),
      message: clip(data.message) ?? null,
      recommendations: [waitStep({ bucket, batch_id })],
    };
  },
});
