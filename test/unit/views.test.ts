// Views of the API's data: bounded, stable shapes with defaults for what is missing, control
// characters removed, long text clipped with its length, failed documents grouped by cause.
import { describe, expect, it } from "vitest";
import type { Batch, ExtractorJob, FailedDocument, TierTask } from "../../src/api/wire.js";
import {
  BatchSummaryView, BatchView, ErrorGroupView, FailureGroupView, JobView, ResourcesView, StageView, TierView,
  MAX_TEXT, batchSummary, batchView, clip, counts, failureText, groupFailures, normaliseMessage, resourcesView, tierView,
} from "../../src/domain/views.js";

describe("clip", () => {
  it("keeps short text, cuts long text and says how long it was", () => {
    expect(clip("short")).toBe("short");
    expect(clip("x".repeat(MAX_TEXT))).toBe("x".repeat(300));
    expect(clip("x".repeat(301))).toBe(`${"x".repeat(300)}…[1 more]`);
    expect(clip("abcdef", 3)).toBe("abc…[3 more]");
    expect(clip("abc", 3)).toBe("abc");
    expect(clip("")).toBe("");
    expect(clip(null)).toBeUndefined();
    expect(clip(undefined)).toBeUndefined();
  });

  it("writes every character that could end a line or reorder the display as an escape, tabs as spaces", () => {
    expect(clip("a\u0000b\u0008c\u000bd\u001fe\u007ff")).toBe("a\\u0000b\\u0008c\\u000bd\\u001fe\\u007ff");
    expect(clip("tab\tline\nend\r")).toBe("tab line\\nend\\r");
    expect(clip("\u001b[31mred")).toBe("\\u001b[31mred");
    expect(clip("a\u2028b\u2029c\u0085d\u202ee\u200bf\u0090g")).toBe("a\\u2028b\\u2029c\\u0085d\\u202ee\\u200bf\\u0090g");
  });
});

describe("counts and failureText", () => {
  it("counts keeps numbers only", () => {
    expect(counts({ a: 1, b: null, c: undefined, d: 0 })).toEqual({ a: 1, d: 0 });
    expect(counts(null)).toEqual({});
    expect(counts(undefined)).toEqual({});
  });

  it("failureText prefers the newer failure_reason to the legacy error", () => {
    expect(failureText({ batch_id: "b", failure_reason: "new", error: "old" })).toBe("new");
    expect(failureText({ batch_id: "b", failure_reason: null, error: "old" })).toBe("old");
    expect(failureText({ batch_id: "b" })).toBeUndefined();
  });
});

describe("resourcesView", () => {
  it("names every resource, null when not sent", () => {
    expect(resourcesView(null)).toBeNull();
    expect(resourcesView(undefined)).toBeNull();
    expect(resourcesView({})).toEqual({ requires_gpu: null, num_cpus: null, memory_bytes: null, priority: null, extractor_name: null });
    expect(resourcesView({ requires_gpu: false, num_cpus: 0, memory_bytes: 8, priority: 1, extractor_name: "x", entrypoint: "hidden" }))
      .toEqual({ requires_gpu: false, num_cpus: 0, memory_bytes: 8, priority: 1, extractor_name: "x" });
  });
});

describe("tierView", () => {
  const job = (status: string | null, n: number, more: Partial<ExtractorJob> = {}): ExtractorJob => ({ extractor_type: `e${n}`, ray_job_id: `r${n}`, status, ...more });

  it("fills defaults for a bare tier", () => {
    expect(tierView({ tier_num: 3 })).toEqual({
      tier_num: 3, status: "UNKNOWN", collection_ids: [], documents_submitted: null, documents_written: null, started_at: null,
      completed_at: null, duration_ms: null, last_activity_at: null, submission_params: null, jobs: [], errors: [], error_summary: {},
    });
  });

  it("copies what the API sent", () => {
    const tier: TierTask = {
      tier_num: 1, status: "FAILED", collection_ids: ["col_1"], documents_submitted_to_engine: 10, documents_written: 7,
      started_at: "s", completed_at: "c", duration_ms: 5, last_activity_at: "l", submission_params: { memory_bytes: 8 },
      extractor_jobs: [{ extractor_type: null, ray_job_id: null, status: null, documents_written: null, error: "e".repeat(400) }],
      error_summary: { network: 2, validation: null },
    };
    const view = tierView(tier);
    expect(view).toMatchObject({
      tier_num: 1, status: "FAILED", collection_ids: ["col_1"], documents_submitted: 10, documents_written: 7, started_at: "s",
      completed_at: "c", duration_ms: 5, last_activity_at: "l", error_summary: { network: 2 },
      submission_params: { memory_bytes: 8, requires_gpu: null, num_cpus: null, priority: null, extractor_name: null },
    });
    expect(view.jobs).toEqual([{ extractor_type: "unknown", ray_job_id: null, status: "UNKNOWN", documents_written: null, error: `${"e".repeat(300)}…[100 more]` }]);
    expect(tierView({ tier_num: 0, extractor_jobs: [job("COMPLETED", 1, { documents_written: 3 })] }).jobs).toEqual([
      { extractor_type: "e1", ray_job_id: "r1", status: "COMPLETED", documents_written: 3 },
    ]);
  });

  it("lists failed jobs first, then running or unknown ones, then the rest, at most 20", () => {
    const jobs = [job("COMPLETED", 0), job("IN_PROGRESS", 1), job("FAILED", 2), job("RUNNING", 3), job("CANCELED", 4), job("FAILED", 5)];
    expect(tierView({ tier_num: 0, extractor_jobs: jobs }).jobs.map((j) => j.ray_job_id)).toEqual(["r2", "r5", "r1", "r3", "r0", "r4"]);
    const many = Array.from({ length: 23 }, (_, i) => job(i === 22 ? "FAILED" : "COMPLETED", i));
    const view = tierView({ tier_num: 0, extractor_jobs: many });
    expect(view.jobs).toHaveLength(20);
    expect(view.jobs[0]!.ray_job_id).toBe("r22");
    expect(view.jobs_omitted).toBe(3);
    expect(tierView({ tier_num: 0, extractor_jobs: many.slice(0, 20) })).not.toHaveProperty("jobs_omitted");
  });

  it("shows the five biggest error groups with their counts and whether they may pass on retry", () => {
    const errors = [
      { error_type: "validation", message: "bad", affected_count: 2 },
      { error_type: "network", message: "Read timed out", affected_count: 9 },
      { message: "no count" },
      { error_type: "a", message: "x", affected_count: 5 }, { error_type: "b", message: "x", affected_count: 4 },
      { error_type: "c", message: "x", affected_count: 3 }, { error_type: "d", message: null, affected_count: 0 },
    ];
    expect(tierView({ tier_num: 0, errors }).errors).toEqual([
      { error_type: "network", message: "Read timed out", count: 9, transient: true },
      { error_type: "a", message: "x", count: 5, transient: false },
      { error_type: "b", message: "x", count: 4, transient: false },
      { error_type: "c", message: "x", count: 3, transient: false },
      { error_type: "validation", message: "bad", count: 2, transient: false },
    ]);
    expect(tierView({ tier_num: 0, errors: [{ message: "m" }, { error_type: "d", message: null, affected_count: 0 }] }).errors).toEqual([
      { error_type: "unknown", message: "m", count: 1, transient: false },
      { error_type: "d", message: "", count: 0, transient: false },
    ]);
  });
});

describe("batchView and batchSummary", () => {
  const batch: Batch = {
    batch_id: "btch_1", bucket_id: "bkt_1", status: "FAILED", type: "collection", current_tier: 1, total_tiers: 2,
    object_ids: ["o1", "o2", "o3"], task_id: "task_1", created_at: "c", updated_at: "u", failure_reason: "boom\u0000",
    error_summary: { runtime: 1, network: null },
    tier_tasks: [{ tier_num: 0, status: "COMPLETED" }, { tier_num: 1, status: "FAILED" }, { tier_num: 2, status: "FAILED" }],
    progress: { stage_history: [{ name: "embed", duration_seconds: 3 }, { name: "write" }] },
  };

  it("views a batch with its tiers and stage history", () => {
    const view = batchView(batch);
    expect(view).toMatchObject({
      batch_id: "btch_1", bucket_id: "bkt_1", status: "FAILED", type: "collection", current_tier: 1, total_tiers: 2, object_count: 3,
      task_id: "task_1", created_at: "c", updated_at: "u", error: "boom\\u0000", error_summary: { runtime: 1 },
      stage_history: [{ name: "embed", duration_seconds: 3 }, { name: "write", duration_seconds: null }],
    });
    expect(view.tiers.map((t) => [t.tier_num, t.status])).toEqual([[0, "COMPLETED"], [1, "FAILED"], [2, "FAILED"]]);
  });

  it("fills defaults and leaves out an error the batch does not have", () => {
    const view = batchView({ batch_id: "b" });
    expect(view).toEqual({
      batch_id: "b", bucket_id: null, status: "UNKNOWN", type: null, current_tier: null, total_tiers: null, object_count: null,
      task_id: null, created_at: null, updated_at: null, error_summary: {}, tiers: [], stage_history: [],
    });
    expect(batchView({ batch_id: "b", error: "x".repeat(310) }).error).toBe(`${"x".repeat(300)}…[10 more]`);
  });

  it("summarises a batch for a list, naming its failed tiers", () => {
    expect(batchSummary(batch)).toEqual({
      batch_id: "btch_1", status: "FAILED", type: "collection", current_tier: 1, total_tiers: 2, object_count: 3,
      failed_tiers: [1, 2], error_summary: { runtime: 1 }, created_at: "c", updated_at: "u",
    });
    expect(batchSummary({ batch_id: "b" })).toEqual({
      batch_id: "b", status: "UNKNOWN", type: null, current_tier: null, total_tiers: null, object_count: null,
      failed_tiers: [], error_summary: {}, created_at: null, updated_at: null,
    });
  });
});

describe("normaliseMessage", () => {
  it("replaces what differs between documents failing for the same reason", () => {
    expect(normaliseMessage("Read timed out after 30 s fetching s3://bucket/raw/obj_A1.mp4")).toBe("Read timed out after <n> s fetching <url>");
    expect(normaliseMessage("GET https://x.example/a?b=1 and gs://b/c failed")).toBe("GET <url> and <url> failed");
    expect(normaliseMessage("doc_ABC123 in btch_x9 of col_7, raysubmit_Q and task_1 upl_2 bkt_3 obj_4")).toBe("<id> in <id> of <id>, <id> and <id> <id> <id> <id>");
    expect(normaliseMessage("job 123e4567-e89b-12d3-a456-426614174000 died")).toBe("job <uuid> died");
    expect(normaliseMessage(`Missing field 'title' and "name"`)).toBe("Missing field <value> and <value>");
    expect(normaliseMessage("exit code 137 after 2.5 s")).toBe("exit code <n> after <n> s");
    expect(normaliseMessage("  many   spaces\n\there ")).toBe("many spaces here");
    expect(normaliseMessage("v2 model")).toBe("v2 model");
    expect(normaliseMessage("GET http://x.example/a failed")).toBe("GET <url> failed");
    expect(normaliseMessage("took 2.55 s, limit 10.125")).toBe("took <n> s, limit <n>");
  });
});

describe("groupFailures", () => {
  const doc = (error_type: string | null, error_message: string | null, more: Partial<FailedDocument> = {}): FailedDocument => ({ error_type, error_message, ...more });

  it("groups by type and normalised message, biggest group first, with tiers, retries and examples", () => {
    const { groups, groups_omitted } = groupFailures([
      doc("validation", "Missing field 'title'", { document_id: "d1", tier_num: 1, retry_count: 1 }),
      doc("network", "Read timed out after 30 s", { document_id: "d2", tier_num: 0 }),
      doc("network", "Read timed out after 31 s", { object_id: "o3", tier_num: 2, retry_count: 3 }),
      doc("network", "Read timed out after 32 s", { tier_num: 0, retry_count: 2 }),
      doc("network", "Read timed out after 33 s", { document_id: "d5", tier_num: null }),
      doc("network", "Read timed out after 34 s", { document_id: "d6" }),
      doc("validation", "Missing field 'name'", { document_id: "d7", tier_num: 1 }),
    ]);
    expect(groups_omitted).toBe(0);
    expect(groups).toEqual([
      { signature: "network: Read timed out after <n> s", error_type: "network", message: "Read timed out after 30 s", transient: true,
        count: 5, max_retry_count: 3, tiers: [0, 2], example_document_ids: ["d2", "o3", "d5"] },
      { signature: "validation: Missing field <value>", error_type: "validation", message: "Missing field 'title'", transient: false,
        count: 2, max_retry_count: 1, tiers: [1], example_document_ids: ["d1", "d7"] },
    ]);
  });

  it("lists a group's tiers in numeric order, whatever order the documents came in", () => {
    const docs = [3, 10, 1, 2, 10].map((tier_num) => doc("network", "reset", { tier_num }));
    expect(groupFailures(docs).groups[0]!.tiers).toEqual([1, 2, 3, 10]);
  });

  it("reads missing types and messages as unknown and empty", () => {
    expect(groupFailures([doc(null, null), doc(null, null, { retry_count: null })]).groups).toEqual([
      { signature: "unknown: ", error_type: "unknown", message: "", transient: false, count: 2, max_retry_count: 0, tiers: [], example_document_ids: [] },
    ]);
  });

  it("keeps the biggest groups and counts the rest", () => {
    const docs = Array.from({ length: 5 }, (_, i) => Array.from({ length: i + 1 }, () => doc(`t${i}`, "m"))).flat();
    const { groups, groups_omitted } = groupFailures(docs, 3);
    expect(groups.map((g) => [g.error_type, g.count])).toEqual([["t4", 5], ["t3", 4], ["t2", 3]]);
    expect(groups_omitted).toBe(2);
    expect(groupFailures(docs).groups).toHaveLength(5);
    expect(groupFailures(docs).groups_omitted).toBe(0);
    expect(groupFailures([])).toEqual({ groups: [], groups_omitted: 0 });
  });

  it("clips what it shows", () => {
    const [group] = groupFailures([doc("t".repeat(150), "m".repeat(400), { document_id: "i".repeat(150) })]).groups;
    expect(group!.error_type).toBe(`${"t".repeat(100)}…[50 more]`);
    expect(group!.message).toBe(`${"m".repeat(300)}…[100 more]`);
    expect(group!.signature).toMatch(/…\[252 more\]$/);
    expect(group!.example_document_ids).toEqual([`${"i".repeat(100)}…[50 more]`]);
  });
});

describe("the views' schemas", () => {
  const batch: Batch = {
    batch_id: "btch_s", bucket_id: "bkt_s", status: "FAILED", type: "collection", current_tier: 0, total_tiers: 1, object_ids: ["o1"],
    task_id: "task_s", created_at: "c", updated_at: "u", error: "boom", error_summary: { network: 1 },
    tier_tasks: [{
      tier_num: 0, status: "FAILED", collection_ids: ["col_s"], documents_submitted_to_engine: 4, documents_written: 3, started_at: "s",
      completed_at: "e", duration_ms: 9, last_activity_at: "l", submission_params: { requires_gpu: true, num_cpus: 2, memory_bytes: 8, priority: 1, extractor_name: "x" },
      extractor_jobs: [{ extractor_type: "ocr", ray_job_id: "r1", status: "FAILED", documents_written: 1, error: "died" }],
      errors: [{ error_type: "network", message: "reset", affected_count: 2 }], error_summary: { network: 2 },
    }],
    progress: { stage_history: [{ name: "embed", duration_seconds: 3 }] },
  };

  it("accept every view as built and keep all of its fields", () => {
    const view = batchView(batch);
    expect(BatchView.parse(view)).toEqual(view);
    expect(TierView.parse(view.tiers[0])).toEqual(view.tiers[0]);
    expect(ResourcesView.parse(view.tiers[0]!.submission_params)).toEqual(view.tiers[0]!.submission_params);
    expect(JobView.parse(view.tiers[0]!.jobs[0])).toEqual({ extractor_type: "ocr", ray_job_id: "r1", status: "FAILED", documents_written: 1, error: "died" });
    expect(ErrorGroupView.parse(view.tiers[0]!.errors[0])).toEqual({ error_type: "network", message: "reset", count: 2, transient: true });
    expect(StageView.parse(view.stage_history[0])).toEqual({ name: "embed", duration_seconds: 3 });
    const summary = batchSummary(batch);
    expect(BatchSummaryView.parse(summary)).toEqual(summary);
    const [group] = groupFailures([{ error_type: "network", error_message: "reset", document_id: "d1", tier_num: 0 }]).groups;
    expect(FailureGroupView.parse(group)).toEqual(group);
  });

  it("accept the nulls a bare batch is viewed with, and refuse a view missing a field", () => {
    const bare = batchView({ batch_id: "b", tier_tasks: [{ tier_num: 1 }], progress: { stage_history: [{ name: "n" }] } });
    expect(BatchView.parse(bare)).toEqual(bare);
    expect(BatchSummaryView.parse(batchSummary({ batch_id: "b" }))).toEqual(batchSummary({ batch_id: "b" }));
    expect(ResourcesView.parse(resourcesView({}))).toEqual(resourcesView({}));
    expect(BatchView.safeParse({ ...bare, batch_id: undefined }).success).toBe(false);
    expect(TierView.safeParse({ ...bare.tiers[0], tier_num: "1" }).success).toBe(false);
  });
});
