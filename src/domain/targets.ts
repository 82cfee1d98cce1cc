// Reads the current state of what a destructive tool is about to change, so the confirmation
// names the exact target and what it stops, and a token is bound to that state.
import type { MixpeekApi } from "../api/resources.js";
import type { Batch, ExtractorJob, TierTask } from "../api/wire.js";
import { ToolRefusal } from "../tool-errors.js";
import { isActive } from "./status.js";

export interface TierTarget { batch: Batch; tier: TierTask }

export async function loadTier(
  api: MixpeekApi, ref: { bucket: string; batch_id: string; tier_num: number }, signal: AbortSignal,
): Promise<TierTarget> {
  const { data: batch } = await api.getBatch(ref, signal);
  const tiers = batch.tier_tasks ?? [];
  const tier = tiers.find((t) => t.tier_num === ref.tier_num);
  if (!tier) {
    throw new ToolRefusal(`batch ${ref.batch_id} has no tier ${ref.tier_num} (tiers: ${tiers.map((t) => t.tier_num).join(", ") || "none"}). Nothing was changed.`);
  }
  return { batch, tier };
}

export const activeJobs = (tier: TierTask): ExtractorJob[] => (tier.extractor_jobs ?? []).filter((j) => isActive(j.status));

export const describeJob = (job: ExtractorJob): string => `${job.ray_job_id ?? "job"} (${job.extractor_type}, ${job.status ?? "UNKNOWN"})`;

/** What identifies the state a confirmation was given for. */
export const tierFingerprint = (tier: TierTask): string =>
  `${tier.status}|${activeJobs(tier).map((j) => j.ray_job_id).sort().join(",")}`;
