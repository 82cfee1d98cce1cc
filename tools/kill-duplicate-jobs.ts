import { z } from "zod";
import { waitStep } from "../src/domain/next-steps.js";
import { activeJobs, describeJob, loadTier, readBack, tierFingerprint, unknownStatusNote } from "../src/domain/targets.js";
import { clip } from "../src/domain/views.js";
import { tierRef } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";
import type { ExtractorJob } from "../src/api/wire.js";

/** Every running job after the first of its extractor. */
const extras = (jobs: ExtractorJob[]) => {
  const seen = new Set<string>();
  return jobs.filter((job) => seen.has(job.extractor_type ?? "") || !seen.add(job.extractor_type ?? ""));
};

export const name = "kill_duplicate_jobs";

export const input = tierRef;

export default defineTool({
  name,
  title: "Kill duplicate jobs",
  description: "Stop extra Ray jobs running the same extractor in one tier, keeping the oldest. Asks for confirmation.",
  input,
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
  toolset: "triage",
  operations: ["getBatch", "healTier"],
  async plan(args, { api, signal }) {
    const { tier } = await loadTier(api, args, signal);
    // Jobs with a status we do not know count as running: if even then no extractor runs
    // twice, there are no duplicates.
    const duplicates = extras(activeJobs(tier));
    if (!duplicates.length) {
      return { result: { outcome: "no_duplicates" as const, batch_id: args.batch_id, tier_num: args.tier_num, killed_job_ids: [], kept_job_ids: [], message: "No extractor runs more than one job in this tier; nothing was changed.", recommendations: [] } };
    }
    return {
      plan: {
        action: "Kill duplicate jobs",
        target: `tier ${args.tier_num} of batch ${args.batch_id}`,
        affects: [...duplicates.map((job) => `stops ${describeJob(job)}`), ...duplicates.flatMap((job) => unknownStatusNote(`Job ${job.ray_job_id}`, job.status))],
        fingerprint: tierFingerprint(tier),
      },
    };
  },
  async run({ bucket, batch_id, tier_num }, { api, signal }) {
    const { data } = await api.call("healTier", { params: { bucket, batch_id, tier_num }, body: { action: "kill_duplicates" } }, signal);
    let killed = data.killed_job_ids;
    let kept = data.kept_job_ids ?? [];
    const notes: string[] = [];
    if (!killed) {
      // The answer did not say which jobs stopped: look at the tier instead of assuming.
      const now = await readBack(api, { bucket, batch_id, tier_num }, signal);
      const running = now ? activeJobs(now.tier) : [];
      killed = now ? (now.tier.extractor_jobs ?? []).filter((j) => j.status === "CANCELED" && j.ray_job_id).map((j) => j.ray_job_id!) : [];
      kept = running.map((j) => j.ray_job_id ?? "?");
      notes.push(now
        ? `The API's answer did not list the jobs it stopped; read back: ${killed.length} canceled, ${extras(running).length} duplicate(s) still running.`
        : "The API accepted the request but did not list the jobs it stopped, and the tier could not be read back; get_batch shows them.");
    }
    return {
      outcome: killed.length ? "killed" as const : "no_duplicates" as const,
      batch_id,
      tier_num,
      killed_job_ids: killed,
      kept_job_ids: kept,
      message: clip(data.message) ?? null,
      ...(notes.length ? { notes } : {}),
      recommendations: [waitStep({ bucket, batch_id })],
    };
  },
});
