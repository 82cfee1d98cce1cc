// Recommendation rules in detail, on small hand-written findings and history: each rule's
// conditions and the exact step it gives (title, arguments, rationale), the memory arithmetic of
// an OOM retry, estimates from a sample, how the API's own recommendations map to tools, how a
// fix applied twice escalates to a human, and what recommend() adds (wait, fallbacks, order,
// limits). test/unit/rules.test.ts shows each rule firing alone; this file covers the branches.
import { describe, expect, it } from "vitest";
import type { ApiRecommendation } from "../../src/api/wire.js";
import type { Findings, TierFinding } from "../../src/domain/diagnosis.js";
import { diagnoseStep, humanAction, readFailedDocumentsStep, step, waitStep } from "../../src/domain/next-steps.js";
import { MAX_RECOMMENDATIONS, RULES, nextStepsForStatus, permanentFix, recommend, retryable, transientRetry, type RuleName } from "../../src/domain/recommend.js";
import type { FailureGroupView } from "../../src/domain/views.js";
import type { RecentAction } from "../../src/safety/incident-memory.js";
import { GIB, actionFor, findingsFor, group, tier } from "./findings.js";

const ref = { bucket: "media", batch_id: "btch_unit00000001" };
const T1 = "2026-12-02T05:00:00.000Z";
const T2 = "2026-12-02T05:10:00.000Z";
const findings = findingsFor(ref.batch_id);
const transientGroup = (count: number, more: Partial<FailureGroupView> = {}) => group(true, count, more);
const permanentGroup = (count: number, more: Partial<FailureGroupView> = {}) => group(false, count, more);
const action = actionFor(ref);
const resources = (memory_bytes: number | null, requires_gpu: boolean | null = false) =>
  ({ requires_gpu, num_cpus: 4, memory_bytes, priority: 100, extractor_name: "x" });
const run = (name: RuleName, f: Findings, history: RecentAction[] = []) => RULES[name]({ f, ref, history });
const only = (steps: unknown[]) => { expect(steps).toHaveLength(1); return steps[0]; };

describe("next-step builders", () => {
  it("step keeps only defined arguments and defaults to low risk", () => {
    const rec = step("retry_tier", { ...ref, tier_num: 1, memory_bytes: undefined }, "T", "R");
    expect(rec).toEqual({ title: "T", rationale: "R", risk: "low", tool: "retry_tier", arguments: { ...ref, tier_num: 1 } });
    // Not merely undefined: absent, so the JSON sent to the tool has no such key.
    expect(Object.keys(rec.arguments!)).toEqual(["bucket", "batch_id", "tier_num"]);
    expect(step("cancel_tier", { ...ref, tier_num: 1 }, "T", "R", "medium").risk).toBe("medium");
  });

  it("a human action names no tool and says it is one", () => {
    expect(humanAction("Fix it", "Because.")).toEqual({ title: "Fix it (human action)", rationale: "Because.", risk: "low" });
  });

  it("the read-only steps carry the batch reference alone", () => {
    const wider = { ...ref, tier_num: 3 } as typeof ref;
    expect(diagnoseStep(wider)).toEqual({
      title: "Diagnose the batch", rationale: "diagnose_batch finds the cause and recommends the fix.", risk: "low", tool: "diagnose_batch", arguments: ref,
    });
    expect(waitStep(wider)).toEqual({
      title: "Wait for the batch to finish",
      rationale: "wait_for_batch reports when the batch reaches a terminal status; if it fails again, run diagnose_batch.",
      risk: "low", tool: "wait_for_batch", arguments: ref,
    });
    expect(readFailedDocumentsStep(wider, "Why.")).toEqual({ title: "Read the failed documents", rationale: "Why.", risk: "low", tool: "list_failed_documents", arguments: ref });
  });

  it("nextStepsForStatus: diagnose a failure, watch a running or unknown status, nothing otherwise", () => {
    for (const status of ["FAILED", "COMPLETED_WITH_ERRORS"]) expect(nextStepsForStatus(status, ref)).toEqual([diagnoseStep(ref)]);
    for (const status of ["IN_PROGRESS", "PENDING", "RUNNING"]) {
      expect(nextStepsForStatus(status, ref)).toEqual([waitStep(ref, "The batch is running; wait_for_batch polls with backoff and reports progress.")]);
    }
    for (const status of ["COMPLETED", "CANCELED", "DRAFT", "SKIPPED"]) expect(nextStepsForStatus(status, ref)).toEqual([]);
  });
});

describe("rule duplicateJobs", () => {
  it("names every duplicated extractor and its jobs", () => {
    const f = findings("IN_PROGRESS", [tier(0, "IN_PROGRESS", { duplicate_jobs: [
      { extractor_type: "frames", ray_job_ids: ["r1", "r2"] }, { extractor_type: "ocr", ray_job_ids: ["a", "b", "c"] },
    ] })]);
    expect(only(run("duplicateJobs", f))).toEqual({
      title: "Kill duplicate jobs in tier 0", risk: "medium", tool: "kill_duplicate_jobs", arguments: { ...ref, tier_num: 0 },
      rationale: "Tier 0 runs 2 frames jobs (r1, r2); 3 ocr jobs (a, b, c). Duplicates contend for the same output; killing the extras keeps the oldest job running.",
    });
  });

  it("fires for a tier whose status is unknown, not for one that finished", () => {
    const dup = { duplicate_jobs: [{ extractor_type: "x", ray_job_ids: ["a", "b"] }] };
    expect(run("duplicateJobs", findings("RUNNING", [tier(0, "RUNNING", dup)]))).toHaveLength(1);
    expect(run("duplicateJobs", findings("FAILED", [tier(0, "FAILED", dup), tier(1, "COMPLETED", dup)]))).toEqual([]);
    expect(run("duplicateJobs", findings("IN_PROGRESS", [tier(0, "IN_PROGRESS")]))).toEqual([]);
  });
});

describe("rule lostJobsInRunningTier", () => {
  it("cancels a running tier whose jobs are all lost", () => {
    expect(only(run("lostJobsInRunningTier", findings("IN_PROGRESS", [tier(0, "COMPLETED"), tier(1, "IN_PROGRESS", { orphaned: true })])))).toEqual({
      title: "Cancel tier 1", risk: "medium", tool: "cancel_tier", arguments: { ...ref, tier_num: 1 },
      rationale: "Every Ray job of tier 1 was lost, yet the tier still shows IN_PROGRESS: it can never finish. Cancel the tier, then retry_tier reruns it.",
    });
  });

  it("leaves a tier that already stopped to the resubmit rule", () => {
    expect(run("lostJobsInRunningTier", findings("FAILED", [tier(1, "FAILED", { orphaned: true })]))).toEqual([]);
    expect(run("lostJobsInRunningTier", findings("IN_PROGRESS", [tier(1, "IN_PROGRESS")]))).toEqual([]);
  });
});

describe("rule stuckTier", () => {
  const stuck = findings("IN_PROGRESS", [tier(0, "COMPLETED"), tier(1, "IN_PROGRESS", { stuck: true, idle_seconds: 1500 })]);

  it("first asks the API to confirm, saying how long the tier has been idle", () => {
    expect(only(run("stuckTier", stuck))).toEqual({
      title: "Confirm tier 1 is stuck", risk: "low", tool: "detect_stuck_tier", arguments: { ...ref, tier_num: 1 },
      rationale: "Tier 1 is IN_PROGRESS with no activity for 25 min. Stuck detection asks the API to confirm; if the tier still shows running afterwards, cancel it (cancel_tier) and retry it (retry_tier).",
    });
    const unknownIdle = findings("IN_PROGRESS", [tier(1, "IN_PROGRESS", { stuck: true, idle_seconds: null })]);
    expect((only(run("stuckTier", unknownIdle)) as { rationale: string }).rationale).toMatch(/^Tier 1 is IN_PROGRESS with no activity for 0 min\./);
  });

  it("after a detection, cancels the tier and says when detection ran", () => {
    expect(only(run("stuckTier", stuck, [action("detect_stuck_tier", { tier_num: 1 }, "stuck_detected")]))).toEqual({
      title: "Cancel tier 1", risk: "medium", tool: "cancel_tier", arguments: { ...ref, tier_num: 1 },
      rationale: `Tier 1 is IN_PROGRESS with no activity for 25 min. Stuck detection ran at ${T1} (stuck_detected) and the tier still shows running. Cancel the tier, then retry_tier reruns it.`,
    });
  });

  it("waits when the newest detection found the tier not stuck", () => {
    const history = [action("detect_stuck_tier", { tier_num: 1 }, "not_stuck", T2), action("detect_stuck_tier", { tier_num: 1 }, "stuck_detected", T1)];
    expect(only(run("stuckTier", stuck, history))).toEqual(waitStep(ref,
      `Tier 1 is IN_PROGRESS with no activity for 25 min. The API's stuck detection (${T2}) found it not stuck, e.g. waiting for a GPU node; wait before acting.`));
  });

  it("ignores detections of another tier, another tool, and detections that were not applied", () => {
    for (const history of [
      [action("detect_stuck_tier", { tier_num: 0 }, "stuck_detected")],
      [action("kill_duplicate_jobs", { tier_num: 1 }, "killed")],
      [action("detect_stuck_tier", { tier_num: 1 }, "refused")],
      [action("detect_stuck_tier", { tier_num: 1 }, "declined")],
    ]) {
      expect((only(run("stuckTier", stuck, history)) as { tool: string }).tool, JSON.stringify(history)).toBe("detect_stuck_tier");
    }
  });

  it("leaves lost or duplicated jobs to their own rules", () => {
    const dup = [{ extractor_type: "x", ray_job_ids: ["a", "b"] }];
    expect(run("stuckTier", findings("IN_PROGRESS", [tier(1, "IN_PROGRESS", { stuck: true, orphaned: true })]))).toEqual([]);
    expect(run("stuckTier", findings("IN_PROGRESS", [tier(1, "IN_PROGRESS", { stuck: true, duplicate_jobs: dup })]))).toEqual([]);
  });
});

describe("rule failingJob", () => {
  const failing = (more: Partial<TierFinding> = {}, error?: string) => findings("IN_PROGRESS", [tier(0, "IN_PROGRESS", {
    failing_jobs: [{ extractor_type: "ocr", ray_job_id: "raysubmit_ocr", status: "FAILED", ...(error ? { error } : {}) }], ...more,
  })]);

  it("cancels just the failing job, quoting its error", () => {
    expect(only(run("failingJob", failing({}, "CUDA error")))).toEqual({
      title: "Cancel failing job raysubmit_ocr (ocr) in tier 0", risk: "medium", tool: "cancel_job",
      arguments: { ...ref, tier_num: 0, ray_job_id: "raysubmit_ocr" },
      rationale: "ocr keeps failing (FAILED: CUDA error) while the other extractors in tier 0 work; the tier cannot finish until it stops. Cancelling only this job lets the tier finish; ocr output will be missing until the extractor is fixed and rerun.",
    });
    expect((only(run("failingJob", failing())) as { rationale: string }).rationale).toMatch(/^ocr keeps failing \(FAILED\) while/);
  });

  it("stays quiet when the tier is stuck, duplicated, lost or no longer running", () => {
    expect(run("failingJob", failing({ stuck: true }))).toEqual([]);
    expect(run("failingJob", failing({ orphaned: true }))).toEqual([]);
    expect(run("failingJob", failing({ duplicate_jobs: [{ extractor_type: "x", ray_job_ids: ["a", "b"] }] }))).toEqual([]);
    expect(run("failingJob", failing({ status: "COMPLETED" }))).toEqual([]);
  });
});

describe("rule outOfMemory", () => {
  const oom = (memory: number | null, gpu = false) =>
    findings("FAILED", [tier(0, "COMPLETED"), tier(1, "FAILED", { oom: true, resources: memory === undefined ? null : resources(memory, gpu) })]);
  const retried = (memory: number | undefined, outcome = "retrying", tier_num = 1, at = T1) =>
    action("retry_tier", { tier_num, ...(memory === undefined ? {} : { memory_bytes: memory }) }, outcome, at);

  it("doubles the submitted memory, and says what it was", () => {
    expect(only(run("outOfMemory", oom(8 * GIB)))).toEqual({
      title: "Retry tier 1 with 16 GiB memory", risk: "low", tool: "retry_tier", arguments: { ...ref, tier_num: 1, memory_bytes: 16 * GIB },
      rationale: "Tier 1 was killed for running out of memory with 8 GiB. The same resources fail the same way; 16 GiB is the next step up.",
    });
  });

  it("keeps a GPU tier on a GPU", () => {
    const [rec] = run("outOfMemory", oom(8 * GIB, true));
    expect(rec).toMatchObject({ arguments: { ...ref, tier_num: 1, memory_bytes: 16 * GIB, requires_gpu: true } });
    expect(rec!.rationale).toMatch(/; 16 GiB on the GPU tier is the next step up\.$/);
  });

  it("adds at least 4 GiB to a small amount, caps at 1024 GiB, and asks for 16 GiB when the amount is unknown", () => {
    expect(run("outOfMemory", oom(2 * GIB))[0]!.arguments).toMatchObject({ memory_bytes: 6 * GIB });
    expect(run("outOfMemory", oom(600 * GIB))[0]).toMatchObject({ title: "Retry tier 1 with 1024 GiB memory", arguments: { memory_bytes: 1024 * GIB } });
    const unknown = run("outOfMemory", findings("FAILED", [tier(1, "FAILED", { oom: true })]))[0]!;
    expect(unknown).toMatchObject({ title: "Retry tier 1 with 16 GiB memory", arguments: { ...ref, tier_num: 1, memory_bytes: 16 * GIB } });
    expect(unknown.arguments).not.toHaveProperty("requires_gpu");
    expect(unknown.rationale).toBe("Tier 1 was killed for running out of memory. The same resources fail the same way; 16 GiB is the next step up.");
    expect(run("outOfMemory", oom(512 * 2 ** 20))[0]).toMatchObject({ title: "Retry tier 1 with 4.5 GiB memory", arguments: { memory_bytes: 4.5 * GIB } });
  });

  it("starts from the largest amount already tried", () => {
    const [rec] = run("outOfMemory", oom(8 * GIB), [retried(20 * GIB)]);
    expect(rec).toMatchObject({ title: "Retry tier 1 with 40 GiB memory", arguments: { memory_bytes: 40 * GIB } });
    expect(rec!.rationale).toBe("Tier 1 was killed for running out of memory with 8 GiB, and again after a retry with 20 GiB. The same resources fail the same way; 40 GiB is the next step up.");
  });

  it("reads a retry without a usable amount as a retry of unknown resources", () => {
    for (const memory of [0, undefined]) {
      const [rec] = run("outOfMemory", oom(8 * GIB), [retried(memory)]);
      expect(rec!.arguments, String(memory)).toMatchObject({ memory_bytes: 16 * GIB });
      expect(rec!.rationale, String(memory)).toBe("Tier 1 was killed for running out of memory with 8 GiB. The same resources fail the same way; 16 GiB is the next step up.");
    }
  });

  it("does not count retries of another tier or retries that were not applied", () => {
    for (const history of [[retried(20 * GIB, "retrying", 0)], [retried(20 * GIB, "refused")], [retried(20 * GIB, "error"), retried(24 * GIB, "error")]]) {
      expect(run("outOfMemory", oom(8 * GIB), history)[0]!.arguments, JSON.stringify(history)).toMatchObject({ memory_bytes: 16 * GIB });
    }
  });

  it("hands over to a human after two retries, naming the amounts tried", () => {
    const [rec] = run("outOfMemory", oom(8 * GIB), [retried(32 * GIB, "retrying", 1, T2), retried(16 * GIB)]);
    expect(rec).toEqual({
      title: "Find out why tier 1 keeps running out of memory (human action)", risk: "low",
      rationale: "Tier 1 ran out of memory again after 2 retries with more memory (32 GiB, 16 GiB). A third blind retry is not the fix: check the extractor's batch size and model in the Ray job logs (get_batch_logs), then retry_tier with resources that fit.",
    });
    const blind = run("outOfMemory", oom(8 * GIB), [retried(undefined), retried(undefined)])[0]!;
    expect(blind.rationale).toMatch(/after 2 retries with more memory \(resources unknown\)\./);
  });

  it("only for a tier that failed", () => {
    expect(run("outOfMemory", findings("IN_PROGRESS", [tier(1, "IN_PROGRESS", { oom: true })]))).toEqual([]);
    expect(run("outOfMemory", findings("FAILED", [tier(1, "FAILED")]))).toEqual([]);
  });
});

describe("rule rerunStoppedTier", () => {
  const stopped = (status: string, more: Partial<TierFinding> = {}, earlier = "COMPLETED") =>
    findings(status, [tier(0, earlier), tier(1, status, more), tier(2, "PENDING")]);

  it("reruns a tier this server canceled, saying when", () => {
    expect(only(run("rerunStoppedTier", stopped("CANCELED"), [action("cancel_tier", { tier_num: 1 }, "canceled")]))).toEqual({
      title: "Retry tier 1", risk: "low", tool: "retry_tier", arguments: { ...ref, tier_num: 1 },
      rationale: `Tier 1 is CANCELED since cancel_tier at ${T1}, so the batch cannot finish without it (if that cancellation was meant to stop the batch, do nothing). retry_tier reruns it (and the tiers after it) with the same resources; earlier tiers keep their results.`,
    });
  });

  it("reruns a tier that failed after stuck detection", () => {
    const [rec] = run("rerunStoppedTier", stopped("FAILED"), [action("detect_stuck_tier", { tier_num: 1 }, "stuck_detected")]);
    expect(rec!.rationale).toMatch(/^Tier 1 is FAILED after stuck detection, so the batch cannot finish without it/);
  });

  it("needs this server's own flow, earlier tiers done, and no OOM", () => {
    const cancel = [action("cancel_tier", { tier_num: 1 }, "canceled")];
    expect(run("rerunStoppedTier", stopped("CANCELED"))).toEqual([]);
    expect(run("rerunStoppedTier", stopped("CANCELED"), [action("cancel_tier", { tier_num: 1 }, "refused")])).toEqual([]);
    expect(run("rerunStoppedTier", stopped("CANCELED"), [action("cancel_tier", { tier_num: 2 }, "canceled")])).toEqual([]);
    expect(run("rerunStoppedTier", stopped("CANCELED", {}, "FAILED"), cancel)).toEqual([]);
    expect(run("rerunStoppedTier", stopped("FAILED", { oom: true }), cancel)).toEqual([]);
    expect(run("rerunStoppedTier", findings("IN_PROGRESS", [tier(1, "IN_PROGRESS")]), cancel)).toEqual([]);
  });
});

describe("rule resubmitLostTier", () => {
  const lost = (batch: string, more: Partial<TierFinding> = {}, category: string | null = null, earlier = "COMPLETED") =>
    findings(batch, [tier(0, earlier), tier(1, "FAILED", more)], { failure_category: category });

  it("resubmits from a tier that lost its Ray job", () => {
    expect(only(run("resubmitLostTier", lost("FAILED", { orphaned: true })))).toEqual({
      title: "Resubmit the batch from tier 1", risk: "low", tool: "resubmit_batch", arguments: { ...ref, from_tier: 1 },
      rationale: "Tier 1 lost its Ray job; nothing is wrong with its input. Resubmitting from tier 1 reruns it and later tiers and keeps earlier tiers' results.",
    });
    expect(run("resubmitLostTier", lost("CANCELED", {}, "orphaned"))[0]!.rationale).toMatch(/^Tier 1 lost its Ray job;/);
  });

  it("resubmits from a tier that timed out", () => {
    expect(run("resubmitLostTier", lost("FAILED", {}, "timeout"))[0]).toMatchObject({
      tool: "resubmit_batch", rationale: expect.stringMatching(/^Tier 1 timed out; nothing is wrong with its input\./),
    });
  });

  it("not for a running batch, another cause, an OOM, or before earlier tiers are done", () => {
    expect(run("resubmitLostTier", lost("IN_PROGRESS", { orphaned: true }))).toEqual([]);
    expect(run("resubmitLostTier", lost("COMPLETED_WITH_ERRORS", { orphaned: true }))).toEqual([]);
    expect(run("resubmitLostTier", lost("FAILED", {}, "pipeline"))).toEqual([]);
    expect(run("resubmitLostTier", lost("FAILED", { orphaned: true, oom: true }))).toEqual([]);
    expect(run("resubmitLostTier", lost("FAILED", { orphaned: true }, null, "FAILED"))).toEqual([]);
  });
});

describe("rule transientDocuments", () => {
  const withGroups = (status: string, groups: FailureGroupView[], more: Partial<Findings> = {}) =>
    findings(status, [tier(0, "COMPLETED"), tier(1, "COMPLETED"), tier(2, "COMPLETED")], {
      failure_groups: groups, failed_document_count: groups.reduce((n, g) => n + g.count, 0), sampled_documents: groups.reduce((n, g) => n + g.count, 0), ...more,
    });

  it("retries transient documents in the tiers where they failed", () => {
    const f = withGroups("COMPLETED_WITH_ERRORS", [transientGroup(4, { tiers: [2, 0] }), transientGroup(2, { error_type: "timeout", message: "Gateway timeout", tiers: [1, 2] })]);
    expect(only(run("transientDocuments", f))).toEqual({
      title: "Retry 6 document(s) that failed with transient errors", risk: "low", tool: "retry_failed_documents",
      arguments: { ...ref, retry_mode: "transient_only", tier_nums: [0, 1, 2] },
      rationale: "4× network: Read timed out; 2× timeout: Gateway timeout. These errors usually pass on retry; transient_only leaves documents with permanent errors alone.",
    });
    expect(run("transientDocuments", withGroups("FAILED", [transientGroup(4)]))).toHaveLength(1);
  });

  it("scales the count from a sample", () => {
    const f = withGroups("COMPLETED_WITH_ERRORS", [transientGroup(250)], { failed_document_count: 100_000, sampled_documents: 500 });
    expect(run("transientDocuments", f)[0]!.title).toBe("Retry ≈50,000 document(s) that failed with transient errors");
  });

  it("skips documents already retried up to the default limit", () => {
    expect(retryable([transientGroup(1, { max_retry_count: 2 }), transientGroup(1, { max_retry_count: 3 }), permanentGroup(1)]))
      .toEqual([transientGroup(1, { max_retry_count: 2 })]);
    expect(run("transientDocuments", withGroups("COMPLETED_WITH_ERRORS", [transientGroup(5, { max_retry_count: 3 })]))).toEqual([]);
  });

  it("falls back to the error summary when no document could be read", () => {
    const f = findings("FAILED", [tier(0, "FAILED")], {
      failed_document_count: 15, error_summary: { network: 12, validation: 3, resource: 0 }, tiers_with_errors: [0],
    });
    expect(only(run("transientDocuments", f))).toEqual({
      title: "Retry the document(s) that failed with transient errors", risk: "low", tool: "retry_failed_documents",
      arguments: { ...ref, retry_mode: "transient_only", tier_nums: [0] },
      rationale: "the batch's error summary counts 12 network error(s); the documents themselves could not be read. These errors usually pass on retry; transient_only leaves documents with permanent errors alone.",
    });
    const two = run("transientDocuments", { ...f, error_summary: { network: 12, resource: 3 } })[0]!;
    expect(two.rationale).toMatch(/^the batch's error summary counts 12 network, 3 resource error\(s\);/);
    const noTiers = run("transientDocuments", { ...f, tiers_with_errors: [] })[0]!;
    expect(noTiers.arguments).toEqual({ ...ref, retry_mode: "transient_only" });
    // With documents read, the summary is not the evidence.
    expect(run("transientDocuments", { ...f, sampled_documents: 3, failure_groups: [permanentGroup(3)] })).toEqual([]);
    expect(run("transientDocuments", { ...f, error_summary: { validation: 3, network: 0 } })).toEqual([]);
  });

  it("only for a finished batch with failures, and not while a tier is out of memory", () => {
    expect(run("transientDocuments", withGroups("IN_PROGRESS", [transientGroup(4)]))).toEqual([]);
    expect(run("transientDocuments", withGroups("CANCELED", [transientGroup(4)]))).toEqual([]);
    const oom = withGroups("FAILED", [transientGroup(4)]);
    oom.tiers[1] = tier(1, "FAILED", { oom: true });
    expect(run("transientDocuments", oom)).toEqual([]);
    const oomRunning = withGroups("FAILED", [transientGroup(4)]);
    oomRunning.tiers[1] = tier(1, "IN_PROGRESS", { oom: true });
    expect(run("transientDocuments", oomRunning)).toHaveLength(1);
  });

  it("hands over to a human after two transient retries; retries of all documents do not count", () => {
    const f = withGroups("COMPLETED_WITH_ERRORS", [transientGroup(4)]);
    const twice = [action("retry_failed_documents", { retry_mode: "transient_only" }, "retrying", T2), action("retry_failed_documents", {}, "retrying", T1)];
    expect(only(run("transientDocuments", f, twice))).toEqual({
      title: "Find out why transient errors persist (human action)", risk: "low",
      rationale: `Documents still fail with transient errors after 2 retries (${T2}, ${T1}). Check the source they load from (storage, network, rate limits) before retrying again.`,
    });
    const withAll = [twice[0]!, action("retry_failed_documents", { retry_mode: "all" }, "retrying")];
    expect(run("transientDocuments", f, withAll)[0]!.tool).toBe("retry_failed_documents");
    const notApplied = [twice[0]!, action("retry_failed_documents", {}, "nothing_to_retry")];
    expect(run("transientDocuments", f, notApplied)[0]!.tool).toBe("retry_failed_documents");
  });

  it("transientRetry and permanentFix, called directly", () => {
    const bare = transientRetry(ref, [], "3");
    expect(bare).toMatchObject({ title: "Retry 3 document(s) that failed with transient errors" });
    expect(bare.arguments).toEqual({ ...ref, retry_mode: "transient_only" });
    const four = [1, 2, 3, 4].map((n) => transientGroup(n, { error_type: `t${n}`, tiers: [n] }));
    expect(transientRetry(ref, four, "10").rationale).toBe("1× t1: Read timed out; 2× t2: Read timed out; 3× t3: Read timed out. These errors usually pass on retry; transient_only leaves documents with permanent errors alone.");
    expect(transientRetry(ref, four, "10").arguments).toEqual({ ...ref, retry_mode: "transient_only", tier_nums: [1, 2, 3, 4] });
    const many = [1, 2, 3, 4].map((n) => permanentGroup(n, { error_type: `e${n}`, tiers: [] }));
    const fix = permanentFix(many, "10");
    expect(fix.rationale).toBe("Retrying will not help: 1× e1: Missing field (e.g. doc_p1, doc_p2); 2× e2: Missing field (e.g. doc_p1, doc_p2); 3× e3: Missing field (e.g. doc_p1, doc_p2). Fix the source objects or the extractor, then run retry_failed_documents with retry_mode \"all\". list_failed_documents shows every affected document.");
  });
});

describe("rule unreadDocuments", () => {
  it("reads failed documents the API counts but this server could not read", () => {
    expect(only(run("unreadDocuments", findings("COMPLETED_WITH_ERRORS", [], { failed_document_count: 37 })))).toEqual(readFailedDocumentsStep(ref,
      "The API reports 37 failed document(s), but they could not be read here, so whether a retry can help is unknown. list_failed_documents reads them and recommends the fix that fits."));
    expect(run("unreadDocuments", findings("COMPLETED_WITH_ERRORS", [], { failed_document_count: null }))[0]!.rationale)
      .toMatch(/^The API reports an unknown number of failed document\(s\)/);
  });

  it("not when documents were read, none failed, or an unknown count on a batch that is not COMPLETED_WITH_ERRORS", () => {
    expect(run("unreadDocuments", findings("COMPLETED_WITH_ERRORS", [], { failed_document_count: 37, sampled_documents: 5 }))).toEqual([]);
    expect(run("unreadDocuments", findings("COMPLETED_WITH_ERRORS", [], { failed_document_count: 0 }))).toEqual([]);
    expect(run("unreadDocuments", findings("FAILED", [], { failed_document_count: null }))).toEqual([]);
    expect(run("unreadDocuments", findings("FAILED", [], { failed_document_count: 2 }))).toHaveLength(1);
  });
});

describe("rule permanentDocuments", () => {
  it("describes the fix in words, with examples and the tiers to retry afterwards", () => {
    const f = findings("COMPLETED_WITH_ERRORS", [], {
      failure_groups: [permanentGroup(3, { tiers: [2] }), transientGroup(1), permanentGroup(1, { error_type: "dependency", message: "No module", tiers: [0], example_document_ids: ["doc_z"] })],
      failed_document_count: 5, sampled_documents: 5,
    });
    expect(only(run("permanentDocuments", f))).toEqual({
      title: "Fix the input of 4 document(s) with permanent errors (human action)", risk: "low",
      rationale: "Retrying will not help: 3× validation: Missing field (e.g. doc_p1, doc_p2); 1× dependency: No module (e.g. doc_z). Fix the source objects or the extractor, then run retry_failed_documents with retry_mode \"all\" and tier_nums [0, 2]. list_failed_documents shows every affected document.",
    });
  });

  it("scales the count from a sample, and is silent without permanent errors", () => {
    const f = findings("COMPLETED_WITH_ERRORS", [], { failure_groups: [permanentGroup(10)], failed_document_count: 1234, sampled_documents: 20 });
    expect(run("permanentDocuments", f)[0]!.title).toBe("Fix the input of ≈617 document(s) with permanent errors (human action)");
    // A sample no smaller than the count is exact.
    expect(run("permanentDocuments", { ...f, sampled_documents: 1234 })[0]!.title).toBe("Fix the input of 10 document(s) with permanent errors (human action)");
    expect(run("permanentDocuments", { ...f, failed_document_count: null })[0]!.title).toBe("Fix the input of 10 document(s) with permanent errors (human action)");
    expect(run("permanentDocuments", { ...f, failure_groups: [transientGroup(10)] })).toEqual([]);
    // Never a division by an empty sample: the groups' own count stands.
    expect(run("permanentDocuments", { ...f, sampled_documents: 0 })[0]!.title).toBe("Fix the input of 10 document(s) with permanent errors (human action)");
  });
});

describe("rule unexplainedFailure", () => {
  it("reads the logs of the first failed tier that has no known cause", () => {
    const f = findings("FAILED", [tier(0, "FAILED", { oom: true }), tier(1, "FAILED", { orphaned: true }), tier(2, "FAILED")]);
    expect(only(run("unexplainedFailure", f))).toEqual({
      title: "Read the logs of failed tier 2", risk: "low", tool: "get_batch_logs", arguments: { ...ref, tier_num: 2 },
      rationale: "Tier 2 failed without a recognised cause. The Ray job logs show the error before anything is retried.",
    });
  });

  it("not when failed documents explain it", () => {
    expect(run("unexplainedFailure", findings("FAILED", [tier(0, "FAILED")], { failure_groups: [permanentGroup(1)] }))).toEqual([]);
  });
});

describe("recommend", () => {
  it("adds a wait for a running batch, and says when its status is unknown", () => {
    expect(recommend(findings("IN_PROGRESS", []), ref)).toEqual([waitStep(ref,
      "The batch is running. wait_for_batch polls with backoff and reports progress; call it again if it returns still running.")]);
    expect(recommend(findings("RUNNING", []), ref)).toEqual([waitStep(ref,
      "The batch status \"RUNNING\" is not one this server knows; it may still be running. wait_for_batch watches it (it stops at a known final status or its timeout).")]);
  });

  it("never ends a failed, partly failed or not fully read batch on nothing", () => {
    const logs = step("get_batch_logs", ref, "Read the batch's logs", "No recognised cause was found in what the API returned; the Ray job logs usually name the error.");
    expect(recommend(findings("FAILED", []), ref)).toEqual([logs]);
    expect(recommend(findings("COMPLETED_WITH_ERRORS", []), ref)).toEqual([logs]);
    expect(recommend(findings("COMPLETED", [], { notes: ["could not read something"] }), ref)).toEqual([logs]);
    expect(recommend(findings("COMPLETED", []), ref)).toEqual([]);
    expect(recommend(findings("SKIPPED", []), ref)).toEqual([]);
  });

  it("asks a human about a canceled batch, unless a repair is under way", () => {
    expect(recommend(findings("CANCELED", []), ref)).toEqual([humanAction("Decide whether the batch should run again",
      "The batch was canceled and nothing here shows it was part of a repair. Run resubmit_batch only if the cancellation was a mistake.")]);
    const repair = recommend(findings("CANCELED", [tier(0, "COMPLETED"), tier(1, "CANCELED")]), ref, [action("cancel_tier", { tier_num: 1 }, "canceled")]);
    expect(repair.map((r) => r.tool)).toEqual(["retry_tier"]);
  });

  it("keeps one step per tool and per human title, in rule order, at most three", () => {
    const failing = (n: number) => tier(n, "IN_PROGRESS", { failing_jobs: [{ extractor_type: "ocr", ray_job_id: `raysubmit_${n}`, status: "FAILED" }] });
    const steps = recommend(findings("IN_PROGRESS", [failing(0), failing(1)]), ref);
    expect(steps.map((r) => [r.tool, r.arguments?.["ray_job_id"]])).toEqual([["cancel_job", "raysubmit_0"], ["wait_for_batch", undefined]]);

    const dup = { duplicate_jobs: [{ extractor_type: "x", ray_job_ids: ["a", "b"] }] };
    const busy = findings("IN_PROGRESS", [
      tier(0, "IN_PROGRESS", dup), tier(1, "IN_PROGRESS", { orphaned: true }), tier(2, "IN_PROGRESS", { stuck: true, idle_seconds: 900 }), failing(3),
    ]);
    expect(MAX_RECOMMENDATIONS).toBe(3);
    expect(recommend(busy, ref).map((r) => r.tool)).toEqual(["kill_duplicate_jobs", "cancel_tier", "detect_stuck_tier"]);

    const humans = recommend(findings("COMPLETED_WITH_ERRORS", [], {
      failure_groups: [permanentGroup(2)], failed_document_count: 2, sampled_documents: 2,
      api_recommendations: [{ text: "Fix the input files" }, { text: "Fix the input files again" }],
    }), ref);
    expect(humans.map((r) => r.title)).toEqual(["Fix what the API's diagnosis names (human action)", "Fix the input of 2 document(s) with permanent errors (human action)"]);
  });

  describe("escalation of a fix applied twice", () => {
    const dupFindings = findings("IN_PROGRESS", [tier(0, "IN_PROGRESS", { duplicate_jobs: [{ extractor_type: "x", ray_job_ids: ["a", "b"] }] })]);
    const killed = (at: string, outcome = "killed", tier_num = 0) => action("kill_duplicate_jobs", { tier_num }, outcome, at);

    it("turns the third offer into a human action that says when it ran", () => {
      const [first, second] = recommend(dupFindings, ref, [killed(T2), killed(T1)]);
      expect(first).toEqual({
        title: "Stop repeating kill_duplicate_jobs: it was applied 2 times without fixing the batch (human action)", risk: "low",
        rationale: `kill_duplicate_jobs ran at ${T2} and ${T1} with the same target and the problem remains. Tier 0 runs 2 x jobs (a, b). Duplicates contend for the same output; killing the extras keeps the oldest job running. Look at the logs (get_batch_logs) before trying again.`,
      });
      expect(second!.tool).toBe("wait_for_batch");
    });

    it("counts only applied calls on the same target", () => {
      expect(recommend(dupFindings, ref, [killed(T1)])[0]!.tool).toBe("kill_duplicate_jobs");
      expect(recommend(dupFindings, ref, [killed(T2), killed(T1, "no_duplicates")])[0]!.tool).toBe("kill_duplicate_jobs");
      expect(recommend(dupFindings, ref, [killed(T2), killed(T1, "killed", 1)])[0]!.tool).toBe("kill_duplicate_jobs");
      const job = (id: string) => action("cancel_job", { tier_num: 0, ray_job_id: id }, "canceled");
      const failingJob = findings("IN_PROGRESS", [tier(0, "IN_PROGRESS", { failing_jobs: [{ extractor_type: "ocr", ray_job_id: "raysubmit_B", status: "FAILED" }] })]);
      expect(recommend(failingJob, ref, [job("raysubmit_A"), job("raysubmit_A")])[0]!.tool).toBe("cancel_job");
      expect(recommend(failingJob, ref, [job("raysubmit_B"), job("raysubmit_B")])[0]!.tool).toBeUndefined();
      const resubmitted = (from_tier: number) => action("resubmit_batch", { from_tier }, "resubmitted");
      const lost = findings("FAILED", [tier(0, "COMPLETED"), tier(1, "FAILED", { orphaned: true })]);
      expect(recommend(lost, ref, [resubmitted(0), resubmitted(0)])[0]!.tool).toBe("resubmit_batch");
      expect(recommend(lost, ref, [resubmitted(1), resubmitted(1)])[0]!.tool).toBeUndefined();
    });

    it("never escalates reads and waits", () => {
      const unread = findings("COMPLETED_WITH_ERRORS", [], { failed_document_count: 4 });
      const reads = [action("list_failed_documents", {}, "ok"), action("list_failed_documents", {}, "ok")];
      expect(recommend(unread, ref, reads)[0]!.tool).toBe("list_failed_documents");
      const waits = [action("wait_for_batch", {}, "ok"), action("wait_for_batch", {}, "ok")];
      expect(recommend(findings("IN_PROGRESS", []), ref, waits)[0]!.tool).toBe("wait_for_batch");
      const logs = [action("get_batch_logs", { tier_num: 0 }, "ok"), action("get_batch_logs", { tier_num: 0 }, "ok")];
      expect(recommend(findings("FAILED", [tier(0, "FAILED")]), ref, logs)[0]!.tool).toBe("get_batch_logs");
      const stuck = findings("IN_PROGRESS", [tier(1, "IN_PROGRESS", { stuck: true, idle_seconds: 900 })]);
      const diagnoses = [action("diagnose_batch", {}, "ok"), action("diagnose_batch", {}, "ok")];
      expect(recommend(stuck, ref, diagnoses)[0]!.tool).toBe("detect_stuck_tier");
    });
  });

  describe("the API's recommendations", () => {
    /** A batch where our own rules find no tool step. */
    const quiet = (status = "IN_PROGRESS", tiers = [tier(0, "COMPLETED"), tier(1, "IN_PROGRESS")], more: Partial<Findings> = {}) =>
      (recs: ApiRecommendation[]) => recommend(findings(status, tiers, { api_recommendations: recs, ...more }), ref);
    const because = (text: string) => `The API's diagnosis recommends: ${JSON.stringify(text)}.`;

    it("maps a duplicate-jobs recommendation to kill_duplicate_jobs on the tier it names", () => {
      const [first] = quiet()([{ action: "kill_duplicates", tier_num: 1, text: "Two jobs write tier 1" }]);
      expect(first).toEqual(step("kill_duplicate_jobs", { ...ref, tier_num: 1 }, "Kill duplicate jobs in tier 1", because("Two jobs write tier 1"), "medium"));
      expect(quiet()([{ text: "Duplicate jobs in tier 1" }])[0]!.tool).toBe("kill_duplicate_jobs");
      expect(quiet()([{ text: "Duplicate jobs in tier 7" }]).map((r) => r.tool)).toEqual(["wait_for_batch"]);
      expect(quiet()([{ text: "Duplicate jobs somewhere" }]).map((r) => r.tool)).toEqual(["wait_for_batch"]);
    });

    it("maps cancel-job to cancel_job when a tier and a job are named", () => {
      expect(quiet()([{ text: "Cancel job raysubmit_Abc123 in tier 1" }])[0]).toEqual(step("cancel_job", { ...ref, tier_num: 1, ray_job_id: "raysubmit_Abc123" },
        "Cancel job raysubmit_Abc123 in tier 1", because("Cancel job raysubmit_Abc123 in tier 1"), "medium"));
      expect(quiet()([{ action: "cancel_job", tier_num: 1, ray_job_id: "raysubmit_X" }])[0]).toMatchObject({ arguments: { ray_job_id: "raysubmit_X" } });
      expect(quiet()([{ text: "Cancel the job in tier 1" }]).map((r) => r.tool)).toEqual(["wait_for_batch"]);
      expect(quiet()([{ text: "Cancel job raysubmit_Abc123" }]).map((r) => r.tool)).toEqual(["wait_for_batch"]);
    });

    it("maps transient to a transient-only retry", () => {
      expect(quiet("COMPLETED_WITH_ERRORS", [tier(0, "COMPLETED")])([{ text: "Retry transient failures" }])).toEqual([
        step("retry_failed_documents", { ...ref, retry_mode: "transient_only" }, "Retry documents that failed with transient errors", because("Retry transient failures")),
      ]);
    });

    it("maps retry-tier to retry_tier for a tier that stopped, and nothing for one still running", () => {
      const stoppedTier = quiet("CANCELED", [tier(0, "COMPLETED"), tier(1, "CANCELED")]);
      expect(stoppedTier([{ text: "Retry tier 1 with more memory" }])[0]).toMatchObject({ tool: "retry_tier", title: "Retry tier 1", arguments: { ...ref, tier_num: 1 } });
      expect(stoppedTier([{ text: "Give tier 1 more memory" }])[0]!.tool).toBe("retry_tier");
      const failedTier = quiet("FAILED", [tier(0, "COMPLETED"), tier(1, "FAILED")], { failure_groups: [permanentGroup(1)] });
      expect(failedTier([{ text: "Retry tier 1" }])[0]).toMatchObject({ tool: "retry_tier", arguments: { ...ref, tier_num: 1 } });
      const twelve = quiet("CANCELED", [tier(1, "COMPLETED"), tier(12, "CANCELED")]);
      expect(twelve([{ text: "Retry tier 12 with more memory" }])[0]).toMatchObject({ tool: "retry_tier", arguments: { ...ref, tier_num: 12 } });
      expect(quiet()([{ text: "Retry tier 1" }]).map((r) => r.tool)).toEqual(["wait_for_batch"]);
    });

    it("maps resubmit to resubmit_batch only for a batch that stopped", () => {
      const stoppedBatch = quiet("CANCELED", [tier(0, "COMPLETED"), tier(1, "CANCELED")]);
      expect(stoppedBatch([{ text: "Resubmit from tier 1" }])[0]).toEqual(step("resubmit_batch", { ...ref, from_tier: 1 }, "Resubmit the batch from tier 1", because("Resubmit from tier 1")));
      expect(quiet()([{ text: "Resubmit from tier 1" }]).map((r) => r.tool)).toEqual(["wait_for_batch"]);
      const failedBatch = quiet("FAILED", [tier(0, "COMPLETED"), tier(1, "FAILED")], { failure_groups: [permanentGroup(1)] });
      expect(failedBatch([{ text: "Resubmit from tier 1" }])[0]).toMatchObject({ tool: "resubmit_batch", arguments: { ...ref, from_tier: 1 } });
      expect(stoppedBatch([{ text: "Resubmit the batch" }])[0]!.tool).toBeUndefined();
    });

    it("maps stuck to detection, then cancel after a detection, and a rerun for a stopped tier", () => {
      expect(quiet()([{ text: "Tier 1 shows no activity" }])[0]).toEqual(step("detect_stuck_tier", { ...ref, tier_num: 1 }, "Confirm tier 1 is stuck", because("Tier 1 shows no activity")));
      const detected = recommend(findings("IN_PROGRESS", [tier(1, "IN_PROGRESS")], { api_recommendations: [{ action: "detect_stuck", tier_num: 1 }] }), ref,
        [action("detect_stuck_tier", { tier_num: 1 }, "detection_unclear")]);
      expect(detected[0]).toMatchObject({ tool: "cancel_tier", rationale: `${because("detect_stuck")} Stuck detection already ran. Cancel the tier, then retry_tier reruns it.` });
      expect(quiet("FAILED", [tier(1, "FAILED")], { failure_groups: [permanentGroup(1)] })([{ text: "Tier 1 is stuck" }])[0]).toMatchObject({ tool: "retry_tier", arguments: { ...ref, tier_num: 1 } });
      expect(quiet("CANCELED", [tier(1, "CANCELED")])([{ text: "Tier 1 is stuck" }])[0]).toMatchObject({ tool: "retry_tier", arguments: { ...ref, tier_num: 1 } });
      expect(quiet()([{ text: "Something is stuck" }]).map((r) => r.tool)).toEqual(["wait_for_batch"]);
    });

    it("maps cancel-tier to cancel_tier for a tier that may be running", () => {
      expect(quiet()([{ text: "Cancel tier 1" }])[0]).toEqual(step("cancel_tier", { ...ref, tier_num: 1 }, "Cancel tier 1",
        `${because("Cancel tier 1")} Cancel the tier, then retry_tier reruns it.`, "medium"));
      expect(quiet()([{ text: "Cancel tier 0" }]).map((r) => r.tool)).toEqual(["wait_for_batch"]);
    });

    it("maps fix-input to a human action, and ignores what it does not understand", () => {
      expect(quiet()([{ text: "Permanent errors: check the files" }])[0]).toEqual(humanAction("Fix what the API's diagnosis names", because("Permanent errors: check the files")));
      expect(quiet()([{ text: "Have a nice day" }, {}, { action: "reboot", text: "kill duplicates in tier 1" }]).map((r) => r.tool)).toEqual(["wait_for_batch"]);
    });

    it("reads the action before the text, and quotes at most 200 characters", () => {
      expect(quiet("COMPLETED_WITH_ERRORS", [tier(0, "COMPLETED")])([{ action: "retry_transient", text: "kill duplicates in tier 1" }])[0]!.tool).toBe("retry_failed_documents");
      const long = `Retry transient errors ${"x".repeat(300)}`;
      expect(quiet("COMPLETED_WITH_ERRORS", [])([{ text: long }])[0]!.rationale).toBe(because(long.slice(0, 200)));
      expect(quiet("COMPLETED_WITH_ERRORS", [])([{ action: "retry_transient" }])[0]!.rationale).toBe(because("retry_transient"));
    });

    it("only when our own rules found no tool step, and before our human actions", () => {
      const dup = [tier(0, "IN_PROGRESS", { duplicate_jobs: [{ extractor_type: "x", ray_job_ids: ["a", "b"] }] }), tier(1, "IN_PROGRESS")];
      expect(quiet("IN_PROGRESS", dup)([{ text: "Cancel tier 1" }]).map((r) => r.tool)).toEqual(["kill_duplicate_jobs", "wait_for_batch"]);
      const human = quiet("COMPLETED_WITH_ERRORS", [tier(0, "COMPLETED")], { failure_groups: [permanentGroup(2)], failed_document_count: 2, sampled_documents: 2 });
      expect(human([{ text: "Retry transient failures" }]).map((r) => r.tool ?? "human")).toEqual(["retry_failed_documents", "human"]);
    });
  });
});
