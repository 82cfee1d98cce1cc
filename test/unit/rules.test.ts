// Each recommendation rule alone, on small hand-written findings: the case where it fires, with
// the step it gives. The table is typed by the rule names, so a new rule does not compile until
// it has its case here (CONTRIBUTING.md, "Add a recommendation rule").
import { describe, expect, it } from "vitest";
import type { Findings } from "../../src/domain/diagnosis.js";
import { RULES, recommend, type RuleName } from "../../src/domain/recommend.js";
import type { Recommendation } from "../../src/mcp/results.js";
import type { RecentAction } from "../../src/safety/incident-memory.js";
import { GIB, actionFor, findingsFor, group, tier } from "./findings.js";

const ref = { bucket: "media", batch_id: "btch_rule0000001" };
const findings = findingsFor(ref.batch_id);
const action = actionFor(ref);

interface Case { f: Findings; history?: RecentAction[]; step: Partial<Recommendation> }

/** For every rule, findings where it fires, and the first step it gives. */
const CASES: Record<RuleName, Case> = {
  duplicateJobs: {
    f: findings("IN_PROGRESS", [tier(0, "IN_PROGRESS", { duplicate_jobs: [{ extractor_type: "frames", ray_job_ids: ["r1", "r2"] }] })]),
    step: { tool: "kill_duplicate_jobs", arguments: { ...ref, tier_num: 0 }, risk: "medium" },
  },
  lostJobsInRunningTier: {
    f: findings("IN_PROGRESS", [tier(0, "COMPLETED"), tier(1, "IN_PROGRESS", { orphaned: true })]),
    step: { tool: "cancel_tier", arguments: { ...ref, tier_num: 1 } },
  },
  stuckTier: {
    f: findings("IN_PROGRESS", [tier(0, "COMPLETED"), tier(1, "IN_PROGRESS", { stuck: true, idle_seconds: 1500 })]),
    step: { tool: "detect_stuck_tier", arguments: { ...ref, tier_num: 1 } },
  },
  failingJob: {
    f: findings("IN_PROGRESS", [tier(0, "IN_PROGRESS", { failing_jobs: [{ extractor_type: "ocr", ray_job_id: "raysubmit_ocr", status: "FAILED" }] })]),
    step: { tool: "cancel_job", arguments: { ...ref, tier_num: 0, ray_job_id: "raysubmit_ocr" } },
  },
  outOfMemory: {
    f: findings("FAILED", [tier(0, "COMPLETED"), tier(1, "FAILED", { oom: true, resources: { requires_gpu: true, num_cpus: 4, memory_bytes: 8 * GIB, priority: 100, extractor_name: "x" } })]),
    step: { tool: "retry_tier", arguments: { ...ref, tier_num: 1, memory_bytes: 16 * GIB, requires_gpu: true } },
  },
  qdrantWriteFailed: {
    f: findings("FAILED", [tier(0, "COMPLETED"), tier(1, "FAILED", { qdrant_write_failed: true })], { failure_category: "infrastructure" }),
    step: { tool: "retry_qdrant_write", arguments: { ...ref, tier_num: 1 } },
  },
  rerunStoppedTier: {
    f: findings("CANCELED", [tier(0, "COMPLETED"), tier(1, "CANCELED")]),
    history: [action("cancel_tier", { tier_num: 1 }, "canceled"), action("detect_stuck_tier", { tier_num: 1 }, "stuck_detected")],
    step: { tool: "retry_tier", arguments: { ...ref, tier_num: 1 } },
  },
  resubmitLostTier: {
    f: findings("FAILED", [tier(0, "COMPLETED"), tier(1, "FAILED", { orphaned: true })], { failure_category: "orphaned" }),
    step: { tool: "resubmit_batch", arguments: { ...ref, from_tier: 1 } },
  },
  transientDocuments: {
    f: findings("COMPLETED_WITH_ERRORS", [tier(0, "COMPLETED")], { failure_groups: [group(true, 6)], failed_document_count: 6, sampled_documents: 6 }),
    step: { tool: "retry_failed_documents", arguments: { ...ref, retry_mode: "transient_only", tier_nums: [0] } },
  },
  unreadDocuments: {
    f: findings("COMPLETED_WITH_ERRORS", [tier(0, "COMPLETED")], { failed_document_count: 37 }),
    step: { tool: "list_failed_documents", arguments: ref },
  },
  permanentDocuments: {
    f: findings("COMPLETED_WITH_ERRORS", [tier(0, "COMPLETED")], { failure_groups: [group(false, 4)], failed_document_count: 4, sampled_documents: 4 }),
    step: { title: "Fix the input of 4 document(s) with permanent errors (human action)" },
  },
  unexplainedFailure: {
    f: findings("FAILED", [tier(0, "FAILED")]),
    step: { tool: "get_batch_logs", arguments: { ...ref, tier_num: 0 } },
  },
};

describe.each(Object.entries(CASES) as [RuleName, Case][])("rule %s", (name, { f, history = [], step }) => {
  it("fires alone on its findings with the expected step", () => {
    const steps = RULES[name]({ f, ref, history });
    expect(steps[0]).toMatchObject(step);
    if (!("tool" in step)) expect(steps[0]!.tool).toBeUndefined();
  });

  it("is silent on a healthy completed batch", () => {
    expect(RULES[name]({ f: findings("COMPLETED", [tier(0, "COMPLETED")]), ref, history: [] })).toEqual([]);
  });
});

describe("recommend", () => {
  it("gives nothing for a healthy batch, and only a wait for a running one", () => {
    expect(recommend(findings("COMPLETED", [tier(0, "COMPLETED")]), ref)).toEqual([]);
    expect(recommend(findings("IN_PROGRESS", [tier(0, "IN_PROGRESS", { idle_seconds: 5 })]), ref).map((r) => r.tool)).toEqual(["wait_for_batch"]);
  });

  it("keeps the rules' order, one step per tool, at most three", () => {
    const busy = findings("COMPLETED_WITH_ERRORS", [tier(0, "COMPLETED")], {
      failure_groups: [group(true, 6), group(false, 4)], failed_document_count: 10, sampled_documents: 10,
    });
    const steps = recommend(busy, ref);
    expect(steps.map((r) => r.tool ?? "human")).toEqual(["retry_failed_documents", "human"]);
    const many = findings("IN_PROGRESS", [0, 1, 2, 3].map((n) => tier(n, "IN_PROGRESS", { duplicate_jobs: [{ extractor_type: "x", ray_job_ids: ["a", "b"] }] })));
    expect(recommend(many, ref).map((r) => r.tool)).toEqual(["kill_duplicate_jobs", "wait_for_batch"]);
  });

  it("continues the stuck flow from history: after detection, cancel; after a 'not stuck' verdict, wait", () => {
    const stuck = CASES.stuckTier.f;
    expect(recommend(stuck, ref, [action("detect_stuck_tier", { tier_num: 1 }, "stuck_detected")])[0]).toMatchObject({ tool: "cancel_tier", arguments: { ...ref, tier_num: 1 } });
    expect(recommend(stuck, ref, [action("detect_stuck_tier", { tier_num: 1 }, "not_stuck")])[0]).toMatchObject({ tool: "wait_for_batch" });
    // A detection that was refused or failed is no detection.
    expect(recommend(stuck, ref, [action("detect_stuck_tier", { tier_num: 1 }, "error")])[0]).toMatchObject({ tool: "detect_stuck_tier" });
  });

  it("offers a fix applied twice to the same target as a human action, not a third time", () => {
    const twice = [action("kill_duplicate_jobs", { tier_num: 0 }, "killed"), action("kill_duplicate_jobs", { tier_num: 0 }, "killed")];
    const first = recommend(CASES.duplicateJobs.f, ref, twice)[0]!;
    expect(first.tool).toBeUndefined();
    expect(first.title).toMatch(/Stop repeating kill_duplicate_jobs.*\(human action\)/);
    // Another target is a fresh attempt.
    expect(recommend(CASES.duplicateJobs.f, ref, twice.map((a) => ({ ...a, arguments: { ...a.arguments, tier_num: 5 } })))[0]!.tool).toBe("kill_duplicate_jobs");
  });

  it("reprocesses a tier whose Qdrant write failed again after two rewrites, and reads a rewrite the API itself recommends", () => {
    const qdrant = CASES.qdrantWriteFailed.f;
    const once = [action("retry_qdrant_write", { tier_num: 1 }, "rewriting")];
    expect(recommend(qdrant, ref, once)[0]).toMatchObject({ tool: "retry_qdrant_write", arguments: { ...ref, tier_num: 1 } });
    expect(recommend(qdrant, ref, [...once, ...once])[0]).toMatchObject({ tool: "retry_tier", arguments: { ...ref, tier_num: 1 } });
    // Refused rewrites changed nothing: they are not attempts.
    expect(recommend(qdrant, ref, [action("retry_qdrant_write", { tier_num: 1 }, "refused"), ...once])[0]).toMatchObject({ tool: "retry_qdrant_write" });
    // Findings that missed it, with only the API's word: a permanent-error batch whose diagnosis says so.
    const onlyApi = findings("FAILED", [tier(0, "COMPLETED"), tier(1, "FAILED")], { api_recommendations: [{ text: "Tier 1: Qdrant write failed, retry it from S3" }], failure_groups: [group(false, 1)] });
    expect(recommend(onlyApi, ref)[0]).toMatchObject({ tool: "retry_qdrant_write", arguments: { ...ref, tier_num: 1 } });
  });

  it("says what a canceled batch with no repair in progress needs: a human decision", () => {
    const [step] = recommend(findings("CANCELED", [tier(0, "CANCELED")]), ref);
    expect(step).toMatchObject({ title: "Decide whether the batch should run again (human action)" });
    expect(step!.tool).toBeUndefined();
  });

  it("never leaves a failed batch without a step, even when no rule recognises the cause", () => {
    expect(recommend(findings("FAILED", []), ref)).toEqual([expect.objectContaining({ tool: "get_batch_logs", arguments: ref })]);
  });
});
