// From findings to next steps: an ordered table of rules, best first. A rule that names a tool
// gives complete arguments, and only for a step that is safe and useful to run now; steps that
// need a human first (fix the data, then retry all) are described in words, never offered as a
// tool. The rules follow the flows of Mixpeek's batch-diagnostics guide (stuck tier: detect,
// then cancel the tier, then retry it) and this server's record of what it already did to the
// batch, so a started flow continues and a fix that failed twice is not tried a third time.
import type { ToolName } from "../../tools/index.js";
import type { ApiRecommendation } from "../api/wire.js";
import type { RecentAction } from "../safety/incident-memory.js";
import type { Recommendation } from "../mcp/results.js";
import { formatBytes } from "../util/bytes.js";
import { type Findings, type TierFinding, transientCategories } from "./diagnosis.js";
import type { FailureGroupView } from "./views.js";
import { type BatchRef, diagnoseStep, humanAction, readFailedDocumentsStep, step, waitStep } from "./next-steps.js";
import { isActive, mayBeActive } from "./status.js";

export const MAX_RECOMMENDATIONS = 3;
const GIB = 2 ** 30;
/** Memory to ask for when the submitted amount is unknown. */
const FALLBACK_MEMORY_BYTES = 16 * GIB;
/** retry_tier accepts at most this much memory. */
const MAX_MEMORY_BYTES = 1024 * GIB;
/** Documents retried this many times are skipped by the API's default max_retry_count. */
const DEFAULT_MAX_RETRY_COUNT = 3;
/** After this many applied attempts at the same fix on the same target, a human looks. */
const MAX_ATTEMPTS = 2;
/** Outcomes after which nothing was changed: they do not count as an attempt. */
const NOT_APPLIED = new Set(["error", "refused", "declined", "not_active", "no_duplicates", "nothing_to_retry"]);

export interface RuleContext { f: Findings; ref: BatchRef; history: RecentAction[] }
type Rule = (c: RuleContext) => Recommendation[];

/** This server's applied calls of `tool` on the batch (and tier, when given), newest first. */
const attempts = (history: RecentAction[], tool: ToolName, tier?: number) => history.filter((a) =>
  a.tool === tool && !NOT_APPLIED.has(a.outcome) && (tier === undefined || a.arguments["tier_num"] === tier));

const rerun = (ref: BatchRef, t: TierFinding, why: string) => step("retry_tier", { ...ref, tier_num: t.tier_num },
  `Retry tier ${t.tier_num}`, `${why} retry_tier reruns it (and the tiers after it) with the same resources; earlier tiers keep their results.`);

const cancelTier = (ref: BatchRef, t: TierFinding, why: string) => step("cancel_tier", { ...ref, tier_num: t.tier_num },
  `Cancel tier ${t.tier_num}`, `${why} Cancel the tier, then retry_tier reruns it.`, "medium");

/** The rules in order of precedence: a rule's steps come before those of the rules after it. */
export const RULES = {
  // Duplicate jobs waste the tier's resources and block it: stop the extras first.
  duplicateJobs: ({ f, ref }) => f.tiers.filter((t) => t.duplicate_jobs.length && mayBeActive(t.status)).map((t) => step("kill_duplicate_jobs", { ...ref, tier_num: t.tier_num },
    `Kill duplicate jobs in tier ${t.tier_num}`,
    `Tier ${t.tier_num} runs ${t.duplicate_jobs.map((d) => `${d.ray_job_ids.length} ${d.extractor_type} jobs (${d.ray_job_ids.join(", ")})`).join("; ")}. Duplicates contend for the same output; killing the extras keeps the oldest job running.`,
    "medium")),
  // A tier whose Ray jobs are all lost but which still shows running will never finish.
  lostJobsInRunningTier: ({ f, ref }) => f.tiers.filter((t) => t.orphaned && mayBeActive(t.status)).map((t) =>
    cancelTier(ref, t, `Every Ray job of tier ${t.tier_num} was lost, yet the tier still shows ${t.status}: it can never finish.`)),
  // A stuck tier (the batch-diagnostics guide): run stuck detection, then cancel the tier, then retry it.
  stuckTier: ({ f, ref, history }) => f.tiers.filter((t) => t.stuck && !t.orphaned && !t.duplicate_jobs.length).map((t) => {
    const idle = `Tier ${t.tier_num} is ${t.status} with no activity for ${Math.round((t.idle_seconds ?? 0) / 60)} min.`;
    const detection = attempts(history, "detect_stuck_tier", t.tier_num)[0];
    if (!detection) {
      return step("detect_stuck_tier", { ...ref, tier_num: t.tier_num }, `Confirm tier ${t.tier_num} is stuck`,
        `${idle} Stuck detection asks the API to confirm; if the tier still shows running afterwards, cancel it (cancel_tier) and retry it (retry_tier).`);
    }
    if (detection.outcome === "not_stuck") {
      return waitStep(ref, `${idle} The API's stuck detection (${detection.at}) found it not stuck, e.g. waiting for a GPU node; wait before acting.`);
    }
    return cancelTier(ref, t, `${idle} Stuck detection ran at ${detection.at} (${detection.outcome}) and the tier still shows running.`);
  }),
  // One extractor crash-looping while its siblings work: stop just that job.
  failingJob: ({ f, ref }) => f.tiers.filter((t) => mayBeActive(t.status) && !t.duplicate_jobs.length && !t.stuck && !t.orphaned).flatMap((t) =>
    t.failing_jobs.map((j) => step("cancel_job", { ...ref, tier_num: t.tier_num, ray_job_id: j.ray_job_id },
      `Cancel failing job ${j.ray_job_id} (${j.extractor_type}) in tier ${t.tier_num}`,
      `${j.extractor_type} keeps failing (${j.status}${j.error ? `: ${j.error}` : ""}) while the other extractors in tier ${t.tier_num} work; the tier cannot finish until it stops. Cancelling only this job lets the tier finish; ${j.extractor_type} output will be missing until the extractor is fixed and rerun.`,
      "medium"))),
  // Out of memory: the same resources fail the same way. Ask for more than anything tried so far.
  outOfMemory: ({ f, ref, history }) => f.tiers.filter((t) => t.oom && t.status === "FAILED").map((t) => {
    const tried = attempts(history, "retry_tier", t.tier_num);
    const triedMemory = tried.map((a) => Number(a.arguments["memory_bytes"])).filter((n) => n > 0);
    const submitted = t.resources?.memory_bytes ?? null;
    if (tried.length >= MAX_ATTEMPTS) {
      return humanAction(`Find out why tier ${t.tier_num} keeps running out of memory`,
        `Tier ${t.tier_num} ran out of memory again after ${tried.length} retries with more memory (${triedMemory.map(formatBytes).join(", ") || "resources unknown"}). A third blind retry is not the fix: check the extractor's batch size and model in the Ray job logs (get_batch_logs), then retry_tier with resources that fit.`);
    }
    const base = Math.max(submitted ?? 0, ...triedMemory);
    const memory = Math.min(MAX_MEMORY_BYTES, base ? Math.max(2 * base, base + 4 * GIB) : FALLBACK_MEMORY_BYTES);
    const gpu = t.resources?.requires_gpu === true;
    return step("retry_tier", { ...ref, tier_num: t.tier_num, memory_bytes: memory, ...(gpu ? { requires_gpu: true } : {}) },
      `Retry tier ${t.tier_num} with ${formatBytes(memory)} memory`,
      `Tier ${t.tier_num} was killed for running out of memory${submitted ? ` with ${formatBytes(submitted)}` : ""}${triedMemory.length ? `, and again after a retry with ${formatBytes(Math.max(...triedMemory))}` : ""}. The same resources fail the same way; ${formatBytes(memory)}${gpu ? " on the GPU tier" : ""} is the next step up.`);
  }),
  // A tier that processed its documents but could not write them to Qdrant: rewrite its output
  // from S3; if rewriting failed twice, reprocess the tier instead.
  qdrantWriteFailed: ({ f, ref, history }) => f.tiers.filter((t) => t.qdrant_write_failed && t.status === "FAILED" && earlierTiersDone(f, t)).map((t) => {
    const why = `Tier ${t.tier_num} processed its documents but writing them to Qdrant failed.`;
    const rewrites = attempts(history, "retry_qdrant_write", t.tier_num);
    if (rewrites.length >= MAX_ATTEMPTS) return rerun(ref, t, `${why} Rewriting it from S3 failed ${rewrites.length} times (${rewrites.map((a) => a.at).join(", ")}), so reprocess it.`);
    return step("retry_qdrant_write", { ...ref, tier_num: t.tier_num }, `Retry tier ${t.tier_num}'s Qdrant write`,
      `${why} Its output is saved in S3: retry_qdrant_write writes it again without reprocessing, and the tiers after it run.`);
  }),
  // A tier stopped in a flow this server started (stuck detection, lost jobs): rerun it.
  rerunStoppedTier: ({ f, ref, history }) => {
    const tier = f.tiers.find((t) => (t.status === "FAILED" || t.status === "CANCELED") && !t.oom
      && (attempts(history, "detect_stuck_tier", t.tier_num).length > 0 || attempts(history, "cancel_tier", t.tier_num).length > 0));
    if (!tier || !earlierTiersDone(f, tier)) return [];
    const canceled = attempts(history, "cancel_tier", tier.tier_num)[0];
    return [rerun(ref, tier, `Tier ${tier.tier_num} is ${tier.status}${canceled ? ` since cancel_tier at ${canceled.at}` : " after stuck detection"}, so the batch cannot finish without it (if that cancellation was meant to stop the batch, do nothing).`)];
  },
  // A tier that lost its Ray job or timed out: nothing is wrong with its input; resubmit from it.
  resubmitLostTier: ({ f, ref }) => {
    const tier = f.tiers.find((t) => t.status === "FAILED" && !t.oom
      && (t.orphaned || f.failure_category === "orphaned" || f.failure_category === "timeout"));
    if (!tier || !(f.status === "FAILED" || f.status === "CANCELED") || !earlierTiersDone(f, tier)) return [];
    return [step("resubmit_batch", { ...ref, from_tier: tier.tier_num }, `Resubmit the batch from tier ${tier.tier_num}`,
      `Tier ${tier.tier_num} ${tier.orphaned || f.failure_category === "orphaned" ? "lost its Ray job" : "timed out"}; nothing is wrong with its input. Resubmitting from tier ${tier.tier_num} reruns it and later tiers and keeps earlier tiers' results.`)];
  },
  // Transient document errors: retry just those, in the tiers where they happened.
  transientDocuments: ({ f, ref, history }) => {
    if (!(f.status === "FAILED" || f.status === "COMPLETED_WITH_ERRORS") || f.tiers.some((t) => t.oom && t.status === "FAILED")) return [];
    const transient = retryable(f.failure_groups);
    // Without readable documents, the batch's error summary is the evidence.
    const categories = f.sampled_documents ? [] : transientCategories(f);
    if (!transient.length && !categories.length) return [];
    const tried = attempts(history, "retry_failed_documents").filter((a) => a.arguments["retry_mode"] !== "all");
    if (tried.length >= MAX_ATTEMPTS) {
      return [humanAction("Find out why transient errors persist",
        `Documents still fail with transient errors after ${tried.length} retries (${tried.map((a) => a.at).join(", ")}). Check the source they load from (storage, network, rate limits) before retrying again.`)];
    }
    if (transient.length) return [transientRetry(ref, transient, estimate(f, transient))];
    return [transientRetry(ref, [], "the", f.tiers_with_errors,
      `the batch's error summary counts ${categories.map((c) => `${f.error_summary[c]} ${c}`).join(", ")} error(s); the documents themselves could not be read`)];
  },
  // Failed documents we could not read: read them before deciding anything about them.
  unreadDocuments: ({ f, ref }) => {
    const count = f.failed_document_count;
    if (f.sampled_documents || !(count === null ? f.status === "COMPLETED_WITH_ERRORS" : count > 0)) return [];
    return [readFailedDocumentsStep(ref, `The API reports ${count ?? "an unknown number of"} failed document(s), but they could not be read here, so whether a retry can help is unknown. list_failed_documents reads them and recommends the fix that fits.`)];
  },
  // Permanent document errors: a human must fix data or code. Say exactly what, never retry blindly.
  permanentDocuments: ({ f }) => {
    const permanent = f.failure_groups.filter((g) => !g.transient);
    return permanent.length ? [permanentFix(permanent, estimate(f, permanent))] : [];
  },
  // A failed tier with no known cause: read its logs before changing anything.
  unexplainedFailure: ({ f, ref }) => {
    const tier = f.tiers.find((t) => t.status === "FAILED" && !t.oom && !t.orphaned && !t.qdrant_write_failed);
    if (!tier || f.failure_groups.length) return [];
    return [step("get_batch_logs", { ...ref, tier_num: tier.tier_num }, `Read the logs of failed tier ${tier.tier_num}`,
      `Tier ${tier.tier_num} failed without a recognised cause. The Ray job logs show the error before anything is retried.`)];
  },
} satisfies Record<string, Rule>;
export type RuleName = keyof typeof RULES;

const tiersOf = (groups: FailureGroupView[]) => [...new Set(groups.flatMap((g) => g.tiers))].sort((a, b) => a - b);

/** Retry the documents whose errors may pass on retry, in their tiers; `count` says how many. */
export function transientRetry(ref: BatchRef, groups: FailureGroupView[], count: string, fallbackTiers: number[] = [], evidence?: string): Recommendation {
  const tiers = groups.length ? tiersOf(groups) : fallbackTiers;
  return step("retry_failed_documents", { ...ref, retry_mode: "transient_only", ...(tiers.length ? { tier_nums: tiers } : {}) },
    `Retry ${count} document(s) that failed with transient errors`,
    `${evidence ?? groups.map((g) => `${g.count}× ${g.error_type}: ${g.message}`).slice(0, 3).join("; ")}. These errors usually pass on retry; transient_only leaves documents with permanent errors alone.`);
}

/** What a person must fix before documents with permanent errors can pass. */
export function permanentFix(groups: FailureGroupView[], count: string): Recommendation {
  const tiers = tiersOf(groups);
  return humanAction(`Fix the input of ${count} document(s) with permanent errors`,
    `Retrying will not help: ${groups.slice(0, 3).map((g) => `${g.count}× ${g.error_type}: ${g.message} (e.g. ${g.example_document_ids.join(", ")})`).join("; ")}. Fix the source objects or the extractor, then run retry_failed_documents with retry_mode "all"${tiers.length ? ` and tier_nums [${tiers.join(", ")}]` : ""}. list_failed_documents shows every affected document.`);
}

/** Documents retried this many times are skipped by a default retry. */
export const retryable = (groups: FailureGroupView[]) => groups.filter((g) => g.transient && g.max_retry_count < DEFAULT_MAX_RETRY_COUNT);

/** Every tier before `tier` has completed, so a rerun from it can run. */
const earlierTiersDone = (f: Findings, tier: TierFinding) => f.tiers.every((t) => t.tier_num >= tier.tier_num || t.status === "COMPLETED");

/** How many documents some groups stand for: exact when every failed document was read,
 * otherwise scaled from the sample and marked "≈". */
function estimate(f: Findings, groups: { count: number }[]): string {
  const inSample = groups.reduce((n, g) => n + g.count, 0);
  const total = f.failed_document_count ?? 0;
  if (f.sampled_documents >= total || f.sampled_documents === 0) return String(inSample);
  return `≈${Math.round((inSample / f.sampled_documents) * total).toLocaleString("en-US")}`;
}

export function recommend(findings: Findings, ref: BatchRef, history: RecentAction[] = []): Recommendation[] {
  const context = { f: findings, ref, history };
  let out = Object.values(RULES).flatMap((rule) => rule(context));
  // The API's own recommendations are evidence: when our rules find nothing concrete (or only
  // "wait"), an API recommendation that maps to one of our tools wins.
  if (out.every((r) => !r.tool)) {
    const fromApi = findings.api_recommendations.map((rec) => fromApiRecommendation(rec, context)).filter((r) => r !== undefined);
    out = [...fromApi, ...out];
  }
  if (mayBeActive(findings.status)) {
    out.push(waitStep(ref, isActive(findings.status)
      ? "The batch is running. wait_for_batch polls with backoff and reports progress; call it again if it returns still running."
      : `The batch status ${JSON.stringify(findings.status)} is not one this server knows; it may still be running. wait_for_batch watches it (it stops at a known final status or its timeout).`));
  }
  out = out.map((rec) => escalate(rec, history));
  if (!out.length && findings.status === "CANCELED") {
    out.push(humanAction("Decide whether the batch should run again",
      "The batch was canceled and nothing here shows it was part of a repair. Run resubmit_batch only if the cancellation was a mistake."));
  } else if (!out.length && (findings.status === "FAILED" || findings.status === "COMPLETED_WITH_ERRORS" || findings.notes.length)) {
    // Never "nothing to do" for a batch that failed or that we could not fully read.
    out.push(step("get_batch_logs", { ...ref }, "Read the batch's logs",
      "No recognised cause was found in what the API returned; the Ray job logs usually name the error."));
  }
  // Only the first step for a given tool: the next one depends on what this one changes.
  const seen = new Set<string>();
  return out.filter((rec) => {
    const key = rec.tool ?? rec.title;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).slice(0, MAX_RECOMMENDATIONS);
}

/** Steps that change nothing (or only ask), which repeating cannot make worse. */
const NEVER_ESCALATED: readonly ToolName[] = ["diagnose_batch", "wait_for_batch", "get_batch_logs", "list_failed_documents", "detect_stuck_tier"];

/** A fix this server already applied twice to the same target without success is not offered
 * a third time: a human looks instead. Reads and waits are exempt. */
function escalate(rec: Recommendation, history: RecentAction[]): Recommendation {
  const tool = rec.tool as ToolName | undefined;
  if (!tool || NEVER_ESCALATED.includes(tool)) return rec;
  const target = (args: Record<string, unknown> | undefined) => JSON.stringify([args?.["tier_num"], args?.["ray_job_id"], args?.["from_tier"]]);
  const same = attempts(history, tool).filter((a) => target(a.arguments) === target(rec.arguments));
  if (same.length < MAX_ATTEMPTS) return rec;
  return humanAction(`Stop repeating ${tool}: it was applied ${same.length} times without fixing the batch`,
    `${tool} ran at ${same.map((a) => a.at).join(" and ")} with the same target and the problem remains. ${rec.rationale} Look at the logs (get_batch_logs) before trying again.`);
}

type ApiAction = "retry_qdrant_write" | "kill_duplicates" | "cancel_job" | "retry_transient" | "retry_tier" | "resubmit" | "detect_stuck" | "cancel_tier" | "fix_input";

/** Words that name an action in the API's recommendations, most specific first. */
const API_ACTIONS: [RegExp, ApiAction][] = [
  [/qdrant/i, "retry_qdrant_write"],
  [/kill[_ ]?duplicates|duplicate/i, "kill_duplicates"],
  [/cancel[_ ]job|cancel (the )?job/i, "cancel_job"],
  [/transient/i, "retry_transient"],
  [/retry[_ ]tier|retry (the )?tier|more memory/i, "retry_tier"],
  [/resubmit/i, "resubmit"],
  [/detect[_ ]stuck|stuck|no activity/i, "detect_stuck"],
  [/cancel[_ ]tier|cancel (the )?tier/i, "cancel_tier"],
  [/fix[_ ]input|fix the|permanent/i, "fix_input"],
];

function fromApiRecommendation(rec: ApiRecommendation, { f, ref, history }: RuleContext): Recommendation | undefined {
  const text = rec.text ?? rec.action ?? "";
  const action = API_ACTIONS.find(([pattern]) => pattern.test(rec.action ?? "") || (!rec.action && pattern.test(text)))?.[1];
  const tierNum = rec.tier_num ?? Number(/\btier (\d+)/i.exec(text)?.[1] ?? NaN);
  const tier = f.tiers.find((t) => t.tier_num === tierNum);
  const because = `The API's diagnosis recommends: ${JSON.stringify(text.slice(0, 200))}.`;
  switch (action) {
    case "retry_qdrant_write": return tier && tier.status === "FAILED"
      ? step("retry_qdrant_write", { ...ref, tier_num: tier.tier_num }, `Retry tier ${tier.tier_num}'s Qdrant write`, because) : undefined;
    case "kill_duplicates": return tier && step("kill_duplicate_jobs", { ...ref, tier_num: tier.tier_num }, `Kill duplicate jobs in tier ${tier.tier_num}`, because, "medium");
    case "cancel_job": {
      const job = rec.ray_job_id ?? /\b(raysubmit_\w+)/.exec(text)?.[1];
      return tier && job ? step("cancel_job", { ...ref, tier_num: tier.tier_num, ray_job_id: job }, `Cancel job ${job} in tier ${tier.tier_num}`, because, "medium") : undefined;
    }
    case "retry_transient": return step("retry_failed_documents", { ...ref, retry_mode: "transient_only" }, "Retry documents that failed with transient errors", because);
    case "retry_tier": return tier && (tier.status === "FAILED" || tier.status === "CANCELED") ? rerun(ref, tier, because) : undefined;
    case "resubmit": return tier && (f.status === "FAILED" || f.status === "CANCELED")
      ? step("resubmit_batch", { ...ref, from_tier: tier.tier_num }, `Resubmit the batch from tier ${tier.tier_num}`, because) : undefined;
    case "detect_stuck": {
      if (!tier) return undefined;
      // Continue the seed's flow where this server left it: detected → cancel → retry.
      if (tier.status === "FAILED" || tier.status === "CANCELED") return rerun(ref, tier, because);
      return attempts(history, "detect_stuck_tier", tier.tier_num).length
        ? cancelTier(ref, tier, `${because} Stuck detection already ran.`)
        : step("detect_stuck_tier", { ...ref, tier_num: tier.tier_num }, `Confirm tier ${tier.tier_num} is stuck`, because);
    }
    case "cancel_tier": return tier && mayBeActive(tier.status) ? cancelTier(ref, tier, because) : undefined;
    case "fix_input": return humanAction("Fix what the API's diagnosis names", because);
    default: return undefined;
  }
}

/** The read-only next step for a batch in this status: diagnose a failure, watch a running batch. */
export function nextStepsForStatus(status: string, ref: BatchRef): Recommendation[] {
  if (status === "FAILED" || status === "COMPLETED_WITH_ERRORS") return [diagnoseStep(ref)];
  if (mayBeActive(status)) return [waitStep(ref, "The batch is running; wait_for_batch polls with backoff and reports progress.")];
  return [];
}
