import { z } from "zod";
import { waitStep } from "../src/domain/recommend.js";
import { activeJobs, describeJob, loadTier, tierFingerprint } from "../src/domain/targets.js";
import { clip } from "../src/domain/views.js";
import { recommendations, tierRef } from "../src/schemas.js";
import { defineTool } from "../src/tool.js";

export default defineTool({
  name: "kill_duplicate_jobs",
  title: "Kill duplicate jobs",
  description: "Stop extra Ray jobs running the same extractor in one tier, keeping the oldest. Asks for confirmation.",
  input: tierRef,
  output: {
    outcome: z.enum(["killed", "no_duplicates"]),
    batch_id: z.string(),
    tier_num: z.number(),
    killed_job_ids: z.array(z.string()),
    kept_job_ids: z.array(z.string()),
    message: z.string().nullable(),
    recommendations,
  },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async plan(args, { api, signal }) {
    const { tier } = await loadTier(api, args, signal);
    const seen = new Set<string>();
    const extras = activeJobs(tier).filter((job) => seen.has(job.extractor_type) || !seen.add(job.extractor_type));
    if (!extras.length) {
      return { result: { outcome: "no_duplicates" as const, batch_id: args.batch_id, tier_num: args.tier_num, killed_job_ids: [], kept_job_ids: [], message: "No extractor runs more than one active job in this tier; nothing was changed.", recommendations: [] } };
    }
    return {
      plan: {
        action: "Kill duplicate jobs",
        target: `tier ${args.tier_num} of batch ${args.batch_id}`,
        affects: extras.map((job) => `stops ${describeJob(job)}`),
        fingerprint: tierFingerprint(tier),
      },
    };
  },
  async run({ bucket, batch_id, tier_num }, { api, signal }) {
    const { data } = await api.healTier({ bucket, batch_id, tier_num }, "kill_duplicates", signal);
    const killed = data.killed_job_ids ?? [];
    return {
      outcome: killed.length ? "killed" as const : "no_duplicates" as const,
      batch_id,
      tier_num,
      killed_job_ids: killed,
      kept_job_ids: data.kept_job_ids ?? [],
      message: clip(data.message) ?? null,
      recommendations: [waitStep({ bucket, batch_id })],
    };
  },
});
