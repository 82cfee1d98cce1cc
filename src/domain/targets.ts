// Reads the current state of what a destructive tool is about to change, so the confirmation
// names the exact target and what it stops, and a token is bound to that state.
import type { Api } from "../api/mixpeek-api.js";
import type { Batch, ExtractorJob, TierTask } from "../api/wire.js";
import { ToolRefusal } from "../mcp/errors.js";
import { mayBeActive, unknownStatus } from "./status.js";

export interface TierTarget { batch: Batch; tier: TierTask }

export async function loadTier(
  api: Api<"getBatch">, ref: { bucket: string; batch_id: string; tier_num: number }, signal: AbortSignal,
): Promise<TierTarget> {
  const { data: batch } = await api.call("getBatch", { params: ref }, signal);
  // Stryker disable next-line ArrayDeclaration: a string in place of a tier has no tier_num, so it is never found and joins as "", which reads as "none" like an empty list
  const tiers = batch.tier_tasks ?? [];
  const tier = tiers.find((t) => t.tier_num === ref.tier_num);
  if (!tier) {
    throw new ToolRefusal(`batch ${ref.batch_id} has no tier ${ref.tier_num} (tiers: ${tiers.map((t) => t.tier_num).join(", ") || "none"}). Nothing was changed.`);
  }
  return { batch, tier };
}

/** The tier as it is now, read back after a write to report what was observed rather than
 * assumed; undefined when it cannot be read (the write stands either way). */
export async function readBack(
  api: Api<"getBatch">, ref: { bucket: string; batch_id: string; tier_num: number }, signal: AbortSignal,
): Promise<TierTarget | undefined> {
  return loadTier(api, ref, signal).catch(() => undefined);
}

/** Jobs that are, or may be, running (a status we do not know counts); a lost job (UNKNOWN) does not. */
export const activeJobs = (tier: TierTask): ExtractorJob[] => (tier.extractor_jobs ?? []).filter((j) => mayBeActive(j.status) && j.status !== "UNKNOWN");

export const describeJob = (job: ExtractorJob): string => `${job.ray_job_id ?? "job"} (${job.extractor_type ?? "extractor"}, ${job.status ?? "UNKNOWN"})`;

/** A plan line saying a status was not understood, so the user knows the API will decide. */
export const unknownStatusNote = (what: string, status: string | null | undefined): string[] => {
  const unknown = unknownStatus(status);
  return unknown ? [`${what} reports status ${JSON.stringify(unknown)}, which this server does not know; the API decides whether it can be stopped`] : [];
};

/** What identifies the state a confirmation was given for. */
export const tierFingerprint = (tier: TierTask): string =>
  `${tier.status}|${activeJobs(tier).map((j) => j.ray_job_id).sort().join(",")}`;
