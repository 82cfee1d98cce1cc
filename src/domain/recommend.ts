// From findings to next steps: an ordered table of rules, best first. A rule that names a tool
// gives complete arguments, and only for a step that is safe and useful to run now; steps that
// need a human first (fix the data, then retry all) are described in words, never offered as a tool.
import type { Recommendation } from "../schemas.js";
import { type Findings, formatBytes } from "./diagnosis.js";
import { isActive, isTerminal } from "./status.js";

export const MAX_RECOMMENDATIONS = 3;
const GIB = 2 ** 30;
/** Memory to ask for when the submitted amount is unknown. */
const FALLBACK_MEMORY_BYTES = 16 * GIB;
/** Documents retried this many times are skipped by the API's default max_retry_count. */
const DEFAULT_MAX_RETRY_COUNT = 3;

type Rule = (f: Findings, ref: { bucket: string; batch_id: string }) => Recommendation[];

const RULES: Rule[] = [
  // Duplicate jobs waste the tier's resources and block it: stop the extras first.
  (f, ref) => f.tiers.filter((t) => t.duplicate_jobs.length && isActive(t.status)).map((t) => ({
    title: `Kill duplicate jobs in tier ${t.tier_num}`,
    rationale: `Tier ${t.tier_num} runs ${t.duplicate_jobs.map((d) => `${d.ray_job_ids.length} ${d.extractor_type} jobs (${d.ray_job_ids.join(", ")})`).join("; ")}. Duplicates contend for the same output; killing the extras keeps the oldest job running.`,
    risk: "medium",
    tool: "kill_duplicate_jobs",
    arguments: { ...ref, tier_num: t.tier_num },
  })),
  // A stuck tier: let the API confirm it (marks it failed), then the tier can be rerun.
  (f, ref) => f.tiers.filter((t) => t.stuck && !t.duplicate_jobs.length).map((t) => ({
    title: `Confirm tier ${t.tier_num} is stuck`,
    rationale: `Tier ${t.tier_num} is ${t.status} but has had no activity for ${Math.round((t.idle_seconds ?? 0) / 60)} min. Stuck detection marks its stalled jobs failed; then rerun the tier (resubmit_batch from_tier ${t.tier_num}, or cancel_tier + retry_tier if detection finds nothing).`,
    risk: "low",
    tool: "detect_stuck_tier",
    arguments: { ...ref, tier_num: t.tier_num },
  })),
  // One extractor crash-looping while its siblings work: stop just that job.
  (f, ref) => f.tiers.filter((t) => isActive(t.status) && !t.duplicate_jobs.length && !t.stuck).flatMap((t) =>
    t.failing_jobs.filter((j) => isActive(j.status)).map((j) => ({
      title: `Cancel failing job ${j.ray_job_id} (${j.extractor_type}) in tier ${t.tier_num}`,
      rationale: `${j.extractor_type} keeps failing${j.error ? ` (${j.error})` : ""} while the other extractors in tier ${t.tier_num} are healthy. Cancelling only this job lets the tier finish; ${j.extractor_type} output will be missing until it is fixed and rerun.`,
      risk: "medium" as const,
      tool: "cancel_job",
      arguments: { ...ref, tier_num: t.tier_num, ray_job_id: j.ray_job_id },
    }))),
  // Out of memory: the same job with the same resources fails the same way. Double the memory.
  (f, ref) => f.tiers.filter((t) => t.oom && t.status === "FAILED").map((t) => {
    const submitted = t.resources?.memory_bytes ?? null;
    const memory = submitted ? Math.max(2 * submitted, submitted + 4 * GIB) : FALLBACK_MEMORY_BYTES;
    return {
      title: `Retry tier ${t.tier_num} with ${formatBytes(memory)} memory`,
      rationale: `Tier ${t.tier_num} was killed for running out of memory${submitted ? ` with ${formatBytes(submitted)}` : ""}. Rerunning with the same resources fails the same way; doubling memory${t.resources?.requires_gpu ? " on the GPU tier" : ""} is the usual fix.`,
      risk: "low",
      tool: "retry_tier",
      arguments: {
        ...ref, tier_num: t.tier_num, memory_bytes: memory,
        ...(t.resources?.requires_gpu ? { requires_gpu: true } : {}),
      },
    };
  }),
  // A lost or timed-out tier: rerun the batch from that tier; earlier tiers stay completed.
  (f, ref) => {
    const tier = f.tiers.find((t) => t.status === "FAILED" && !t.oom
      && (t.orphaned || f.failure_category === "orphaned" || f.failure_category === "timeout"));
    if (!tier || !(f.status === "FAILED" || f.status === "CANCELED")) return [];
    return [{
      title: `Resubmit the batch from tier ${tier.tier_num}`,
      rationale: `Tier ${tier.tier_num} ${tier.orphaned || f.failure_category === "orphaned" ? "lost its Ray job" : "timed out"}; nothing is wrong with its input. Resubmitting from tier ${tier.tier_num} reruns it and later tiers and keeps earlier tiers' results.`,
      risk: "low",
      tool: "resubmit_batch",
      arguments: { ...ref, from_tier: tier.tier_num },
    }];
  },
  // Transient document errors: retry just those, in the tiers where they happened.
  (f, ref) => {
    if (!(f.status === "FAILED" || f.status === "COMPLETED_WITH_ERRORS")) return [];
    const retryable = f.failure_groups.filter((g) => g.transient && g.max_retry_count < DEFAULT_MAX_RETRY_COUNT);
    if (!retryable.length || f.tiers.some((t) => t.oom && t.status === "FAILED")) return [];
    const tiers = [...new Set(retryable.flatMap((g) => g.tiers))].sort((a, b) => a - b);
    return [{
      title: `Retry ${estimate(f, retryable)} document(s) that failed with transient errors`,
      rationale: `${retryable.map((g) => `${g.count}× ${g.error_type}: ${g.message}`).slice(0, 3).join("; ")}. These errors usually pass on retry; transient_only leaves documents with permanent errors alone.`,
      risk: "low",
      tool: "retry_failed_documents",
      arguments: { ...ref, retry_mode: "transient_only", ...(tiers.length ? { tier_nums: tiers } : {}) },
    }];
  },
  // Permanent document errors: a human must fix data or code. Say exactly what, never retry blindly.
  (f) => {
    const permanent = f.failure_groups.filter((g) => !g.transient);
    if (!permanent.length) return [];
    const tiers = [...new Set(permanent.flatMap((g) => g.tiers))].sort((a, b) => a - b);
    return [{
      title: `Fix the input of ${estimate(f, permanent)} document(s) with permanent errors (human action)`,
      rationale: `Retrying will not help: ${permanent.slice(0, 3).map((g) => `${g.count}× ${g.error_type}: ${g.message} (e.g. ${g.example_document_ids.join(", ")})`).join("; ")}. Fix the source objects or the extractor, then run retry_failed_documents with retry_mode "all"${tiers.length ? ` and tier_nums [${tiers.join(", ")}]` : ""}. list_failed_documents shows every affected document.`,
      risk: "low",
    }];
  },
  // A failed tier with no known cause: read its logs before changing anything.
  (f, ref) => {
    const tier = f.tiers.find((t) => t.status === "FAILED" && !t.oom && !t.orphaned);
    if (!tier || f.failure_groups.length) return [];
    return [{
      title: `Read the logs of failed tier ${tier.tier_num}`,
      rationale: `Tier ${tier.tier_num} failed without a recognised cause. The Ray job logs show the error before anything is retried.`,
      risk: "low",
      tool: "get_batch_logs",
      arguments: { ...ref, tier_num: tier.tier_num },
    }];
  },
  // Healthy and running: the only useful thing is to watch it.
  (f, ref) => isActive(f.status) ? [waitStep(ref, "The batch is running. wait_for_batch polls with backoff and reports progress; call it again if it returns still running.")] : [],
];

/** How many documents some groups stand for: exact when every failed document was read,
 * otherwise scaled from the sample and marked "≈". */
function estimate(f: Findings, groups: { count: number }[]): string {
  const inSample = groups.reduce((n, g) => n + g.count, 0);
  if (f.sampled_documents >= f.failed_document_count || f.sampled_documents === 0) return String(inSample);
  return `≈${Math.round((inSample / f.sampled_documents) * f.failed_document_count).toLocaleString("en-US")}`;
}

export function recommend(findings: Findings, ref: { bucket: string; batch_id: string }): Recommendation[] {
  const seen = new Set<string>();
  const out: Recommendation[] = [];
  for (const rule of RULES) {
    for (const rec of rule(findings, ref)) {
      // Only the first step for a given tool: the next one depends on what this one changes.
      const key = rec.tool ?? rec.title;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(rec);
    }
  }
  // Once the batch is terminal and clean there is nothing to do; say so instead of guessing.
  if (!out.length && isTerminal(findings.status) && findings.status === "CANCELED") {
    out.push({
      title: "Batch was canceled: nothing to repair",
      rationale: "Run resubmit_batch only if the cancellation was a mistake and the batch should run again.",
      risk: "low",
    });
  }
  return out.slice(0, MAX_RECOMMENDATIONS);
}

type Ref = { bucket: string; batch_id: string };

export const diagnoseStep = (ref: Ref, rationale = "diagnose_batch finds the cause and recommends the fix."): Recommendation => ({
  title: "Diagnose the batch", rationale, risk: "low", tool: "diagnose_batch", arguments: { bucket: ref.bucket, batch_id: ref.batch_id },
});

export const waitStep = (ref: Ref, rationale = "wait_for_batch reports when the batch reaches a terminal status; if it fails again, run diagnose_batch."): Recommendation => ({
  title: "Wait for the batch to finish", rationale, risk: "low", tool: "wait_for_batch", arguments: { bucket: ref.bucket, batch_id: ref.batch_id },
});

/** The read-only next step for a batch in this status: diagnose a failure, watch a running batch. */
export function nextStepsForStatus(status: string, ref: Ref): Recommendation[] {
  if (status === "FAILED" || status === "COMPLETED_WITH_ERRORS") return [diagnoseStep(ref)];
  if (isActive(status)) return [waitStep(ref, "The batch is running; wait_for_batch polls with backoff and reports progress.")];
  return [];
}
