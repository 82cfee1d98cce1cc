import { z } from "zod";
import { waitStep } from "../src/domain/next-steps.js";
import { mayBeActive } from "../src/domain/status.js";
import { activeJobs, describeJob, loadTier, tierFingerprint, unknownStatusNote } from "../src/domain/targets.js";
import { clip } from "../src/domain/views.js";
import { rayJobIdArg, tierRef } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";
import { ToolRefusal } from "../src/mcp/errors.js";

export const name = "cancel_job";

export const input = { ...tierRef, ray_job_id: rayJobIdArg };

export default defineTool({
  name,
  title: "Cancel one extractor job",
  description: "Stop one failing Ray job in a multi-extractor tier and leave the other extractors running. Asks for confirmation.",
  input,
  output: {
    outcome: z.enum(["canceled", "not_active"]),
    batch_id: z.string(),
    tier_num: z.number(),
    ray_job_id: z.string(),
    job_status: z.string().nullable(),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["getBatch", "cancelJob"],
  async plan(args, { api, signal }) {
    const { tier } = await loadTier(api, args, signal);
    const jobs = tier.extractor_jobs ?? [];
    const job = jobs.find((j) => j.ray_job_id === args.ray_job_id);
    if (!job) {
      throw new ToolRefusal(`tier ${args.tier_num} has no job ${args.ray_job_id} (jobs: ${jobs.map((j) => j.ray_job_id).join(", ") || "none"}). Nothing was changed.`);
    }
    // A job reported FAILED in a tier still running may be crash-looping (Ray restarts it): it
    // can still be stopped. Only a job known to be finished has nothing to cancel.
    const cancellable = mayBeActive(job.status) || (job.status === "FAILED" && mayBeActive(tier.status));
    if (!cancellable) {
      return { result: { outcome: "not_active" as const, batch_id: args.batch_id, tier_num: args.tier_num, ray_job_id: args.ray_job_id, job_status: job.status ?? null, message: `Job ${args.ray_job_id} is ${job.status}; there is nothing to cancel.`, recommendations: [] } };
    }
    const others = activeJobs(tier).filter((j) => j !== job).length;
    return {
      plan: {
        action: "Cancel job",
        target: `job ${describeJob(job)} in tier ${args.tier_num} of batch ${args.batch_id}`,
        affects: [
          `stops ${describeJob(job)}; its ${job.extractor_type ?? "extractor's"} output will be missing`, `${others} other job(s) keep running`,
          ...unknownStatusNote(`Job ${args.ray_job_id}`, job.status),
        ],
        fingerprint: `${tierFingerprint(tier)}|${job.status}`,
      },
    };
  },
  async run({ bucket, batch_id, tier_num, ray_job_id }, { api, signal }) {
    const { data } = await api.call("cancelJob", { params: { bucket, batch_id, tier_num, ray_job_id } }, signal);
    return {
      outcome: "canceled" as const,
      batch_id,
      tier_num,
      ray_job_id,
      job_status: data.status ?? null,
      message: clip(data.message) ?? null,
      recommendations: [waitStep({ bucket, batch_id }, "The other extractors keep running; wait_for_batch reports when the tier and batch finish.")],
    };
  },
});
