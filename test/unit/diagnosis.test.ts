// Diagnosis on hand-built wire objects: computeFindings reads the batch, the API's diagnose
// answer and a sample of failed documents into findings (stuck, OOM, lost and duplicate jobs,
// failing jobs, counts, category), and summarise says it in one sentence. No server, no emulator.
import { describe, expect, it } from "vitest";
import type { Batch, Diagnosis, ExtractorJob, FailedDocument, TierTask } from "../../src/api/wire.js";
import { findingsFor, tier } from "./findings.js";
import { formatBytes } from "../../src/util/bytes.js";
import { STUCK_AFTER_MS, computeFindings, summarise, transientCategories, type Findings, type TierFinding } from "../../src/domain/diagnosis.js";

const NOW = Date.parse("2026-12-02T12:00:00.000Z");
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MIN = 60_000;
const GIB = 2 ** 30;

const batch = (status: string | null, tier_tasks: TierTask[] = [], more: Partial<Batch> = {}): Batch =>
  ({ batch_id: "btch_diag", status, tier_tasks, ...more });
const tierTask = (tier_num: number, status: string | null, more: Partial<TierTask> = {}): TierTask => ({ tier_num, status, ...more });
const job = (extractor_type: string | null, ray_job_id: string | null, status: string | null, more: Partial<ExtractorJob> = {}): ExtractorJob =>
  ({ extractor_type, ray_job_id, status, ...more });
const doc = (error_type: string, error_message: string, more: Partial<FailedDocument> = {}): FailedDocument =>
  ({ document_id: `doc_${error_type}_${Math.random().toString(36).slice(2, 8)}`, error_type, error_message, tier_num: 0, retry_count: 0, ...more });
const find = (b: Batch, diagnosis?: Diagnosis, documents?: FailedDocument[] | null, total: number | null = null) =>
  computeFindings(b, diagnosis, documents === undefined ? undefined : { documents, total }, NOW);
const tierOf = (f: Findings, n: number) => f.tiers.find((t) => t.tier_num === n)!;

describe("computeFindings: the batch alone", () => {
  it("reads a healthy completed batch as nothing wrong", () => {
    const f = find(batch("COMPLETED", [tierTask(0, "COMPLETED", { extractor_jobs: [job("frames", "r0", "COMPLETED")] })], { total_tiers: 1 }));
    expect(f).toEqual({
      batch_id: "btch_diag", status: "COMPLETED", failure_category: null, total_tiers: 1,
      tiers: [tier(0, "COMPLETED", { jobs: [{ extractor_type: "frames", ray_job_id: "r0", status: "COMPLETED" }] })],
      events: [], failed_document_count: 0, failure_groups: [], failure_groups_omitted: 0, sampled_documents: 0,
      error_summary: {}, tiers_with_errors: [], api_recommendations: [], notes: [],
    });
  });

  it("counts tiers from the list when the batch does not say, and takes the status from the diagnosis or UNKNOWN", () => {
    expect(find(batch("FAILED", [tierTask(0, "COMPLETED"), tierTask(1, "FAILED")])).total_tiers).toBe(2);
    expect(find(batch("FAILED", [], { tier_tasks: null })).tiers).toEqual([]);
    expect(find(batch(null), { status: "FAILED" }).status).toBe("FAILED");
    const unknown = find(batch(null));
    expect(unknown.status).toBe("UNKNOWN");
    expect(unknown.notes).toEqual(['The batch status "UNKNOWN" is not one this server knows; it is treated as possibly running, not as finished.']);
  });

  it("notes every status it does not know, the batch's and each tier's, clipped", () => {
    const long = "X".repeat(50);
    const f = find(batch("RUNNING", [tierTask(0, "COMPLETED"), tierTask(1, "QUEUED"), tierTask(2, long)]));
    expect(f.notes).toEqual([
      'The batch status "RUNNING" is not one this server knows; it is treated as possibly running, not as finished.',
      'The tier 1 status "QUEUED" is not one this server knows; it is treated as possibly running, not as finished.',
      // The tier's status is clipped once for the finding and again for the note, so the length
      // the note gives is that of the clipped text, not of what the API sent.
      expect.stringMatching(/^The tier 2 status "X{40}…\[\d+ more\]" is not one this server knows; it is treated as possibly running, not as finished\.$/),
    ]);
    expect(tierOf(f, 2).status).toBe(`${"X".repeat(40)}…[10 more]`);
    expect(find(batch("IN_PROGRESS", [tierTask(0, null)])).tiers[0]!.status).toBe("UNKNOWN");
  });

  it("keeps the batch's error summary without empty entries, and names the tiers with errors", () => {
    const f = find(batch("COMPLETED_WITH_ERRORS", [
      tierTask(0, "COMPLETED", { error_summary: { network: 0 } }),
      tierTask(1, "COMPLETED", { error_summary: { network: 2, validation: null } }),
      tierTask(2, "COMPLETED"),
    ], { error_summary: { network: 2, validation: null, runtime: 1 } }));
    expect(f.error_summary).toEqual({ network: 2, runtime: 1 });
    expect(f.tiers_with_errors).toEqual([1]);
  });
});

describe("computeFindings: failed document count", () => {
  const failed = batch("FAILED", [tierTask(0, "FAILED")]);

  it("prefers the diagnosis, then the list's total, then the error summary, then the documents read", () => {
    const docs = [doc("network", "Read timed out"), doc("network", "Read timed out")];
    expect(find(failed, { failed_document_count: 50 }, docs, 40).failed_document_count).toBe(50);
    expect(find(failed, {}, docs, 40).failed_document_count).toBe(40);
    expect(find({ ...failed, error_summary: { network: 5, validation: 2 } }, undefined, docs).failed_document_count).toBe(7);
    expect(find(failed, undefined, docs).failed_document_count).toBe(2);
    expect(find(failed, undefined, []).failed_document_count).toBe(0);
  });

  it("is unknown (null) when nothing says, and zero for a plain COMPLETED batch", () => {
    expect(find(failed).failed_document_count).toBeNull();
    expect(find(failed, undefined, null).failed_document_count).toBeNull();
    expect(find(batch("COMPLETED")).failed_document_count).toBe(0);
    expect(find({ ...failed, error_summary: {} }).failed_document_count).toBeNull();
  });

  it("groups the documents read, else the diagnosis's sample", () => {
    const listed = find(failed, { failed_documents_sample: [doc("validation", "Missing field 'a'")] }, [doc("network", "Read timed out")]);
    expect(listed.failure_groups.map((g) => g.error_type)).toEqual(["network"]);
    expect(listed.sampled_documents).toBe(1);
    const sampled = find(failed, { failed_documents_sample: [doc("validation", "Missing field 'a'"), doc("validation", "Missing field 'b'")] }, null);
    expect(sampled.failure_groups).toMatchObject([{ error_type: "validation", count: 2, transient: false }]);
    expect(sampled.sampled_documents).toBe(2);
  });

  it("counts the groups left out of the findings", () => {
    const docs = Array.from({ length: 12 }, (_, i) => doc(`type${i}`, "boom"));
    const f = find(failed, undefined, docs);
    expect(f.failure_groups).toHaveLength(10);
    expect(f.failure_groups_omitted).toBe(2);
  });
});

describe("computeFindings: tiers", () => {
  it("measures idle time of a tier that may be running, from the server's clock", () => {
    const f = find(batch("IN_PROGRESS", [
      tierTask(0, "COMPLETED", { last_activity_at: ago(60 * MIN) }),
      tierTask(1, "IN_PROGRESS", { last_activity_at: ago(11 * MIN) }),
      tierTask(2, "PENDING", { last_activity_at: ago(9 * MIN) }),
      tierTask(3, "RUNNING", { last_activity_at: ago(STUCK_AFTER_MS) }),
      tierTask(4, "IN_PROGRESS", { last_activity_at: new Date(NOW + MIN).toISOString() }),
      tierTask(5, "IN_PROGRESS", { last_activity_at: "not a time" }),
      tierTask(6, "IN_PROGRESS"),
    ]));
    expect(f.tiers.map((t) => [t.tier_num, t.idle_seconds, t.stuck])).toEqual([
      [0, null, false], [1, 660, true], [2, 540, false], [3, 600, true], [4, 0, false], [5, null, false], [6, null, false],
    ]);
    expect(STUCK_AFTER_MS).toBe(10 * MIN);
  });

  it("completes a tier with the diagnosis's activity and resources", () => {
    const f = find(batch("IN_PROGRESS", [tierTask(1, "IN_PROGRESS"), tierTask(2, "IN_PROGRESS", { last_activity_at: ago(MIN) })]), {
      per_tier: [
        { tier_num: 1, last_activity_at: ago(20 * MIN), submission_params: { requires_gpu: true, num_cpus: 8, memory_bytes: 8 * GIB, priority: null, extractor_name: "clip" } },
        { tier_num: 2, last_activity_at: ago(30 * MIN) },
      ],
    });
    expect(tierOf(f, 1)).toMatchObject({ idle_seconds: 1200, stuck: true, resources: { requires_gpu: true, num_cpus: 8, memory_bytes: 8 * GIB, priority: null, extractor_name: "clip" } });
    // The batch's own reading wins over the diagnosis's.
    expect(tierOf(f, 2)).toMatchObject({ idle_seconds: 60, stuck: false, resources: null });
  });

  it("finds OOM from an event for the tier, or from a failed tier's text", () => {
    const f = find(batch("FAILED", [
      tierTask(0, "IN_PROGRESS"),
      tierTask(1, "FAILED", { errors: [{ message: "CUDA out of memory" }] }),
      tierTask(2, "FAILED", { extractor_jobs: [job("x", "r2", "FAILED", { error: "worker exited with exit code 137" })] }),
      tierTask(3, "FAILED", { errors: [{ message: "ValueError: bad input" }] }),
      tierTask(4, "IN_PROGRESS", { errors: [{ message: "out of memory" }] }),
      tierTask(5, "COMPLETED"),
    ]), { infrastructure_events: [{ type: "OOM", tier_num: 0 }, { type: "oom", tier_num: 9 }, { type: "node_lost", tier_num: 5 }] });
    expect(f.tiers.map((t) => t.oom)).toEqual([true, true, true, false, false, false]);
  });

  it("reads a failed tier's messages as separate words", () => {
    const oom = (messages: string[]) => find(batch("FAILED", [tierTask(0, "FAILED", { errors: messages.map((message) => ({ message })) })])).tiers[0]!.oom;
    expect(oom(["worker died", "OOM"])).toBe(true);
    expect(oom(["CUDA out", "of memory"])).toBe(true);
    expect(oom(["room", "booms"])).toBe(false);
  });

  it("reads the batch's failure text into the first failed tier only", () => {
    const tiers = [tierTask(0, "COMPLETED"), tierTask(1, "FAILED"), tierTask(2, "FAILED")];
    const byReason = find(batch("FAILED", tiers, { failure_reason: "Ray job failed: OOM killed the worker" }));
    expect(byReason.tiers.map((t) => t.oom)).toEqual([false, true, false]);
    const byError = find(batch("FAILED", tiers, { error: "memory limit exceeded" }));
    expect(byError.tiers.map((t) => t.oom)).toEqual([false, true, false]);
    expect(find(batch("FAILED", tiers, { error: "ImportError: no module" })).tiers.map((t) => t.oom)).toEqual([false, false, false]);
  });

  it("finds a tier whose every job was lost, when it failed or may still run", () => {
    const lost = [job("x", "r1", "UNKNOWN"), job("y", "r2", "FAILED", { error: "Ray job raysubmit_r2 not found" })];
    const f = find(batch("FAILED", [
      tierTask(0, "FAILED", { extractor_jobs: lost }),
      tierTask(1, "IN_PROGRESS", { extractor_jobs: lost }),
      tierTask(2, "COMPLETED", { extractor_jobs: lost }),
      tierTask(3, "FAILED", { extractor_jobs: [...lost, job("z", "r3", "FAILED", { error: "ValueError" })] }),
      tierTask(4, "FAILED", { extractor_jobs: [] }),
      tierTask(5, "FAILED", { extractor_jobs: [job("z", "r5", "FAILED")] }),
    ]));
    expect(f.tiers.map((t) => t.orphaned)).toEqual([true, true, false, false, false, false]);
    // "Not found" in the error of a job that still runs is not a lost job.
    const running = find(batch("IN_PROGRESS", [tierTask(0, "IN_PROGRESS", { extractor_jobs: [
      job("x", "r1", "IN_PROGRESS", { error: "object not found, skipped" }), job("x", "r2", "IN_PROGRESS"),
    ] })]));
    expect(running.tiers[0]).toMatchObject({ orphaned: false, duplicate_jobs: [{ extractor_type: "x", ray_job_ids: ["r1", "r2"] }] });
  });

  it("finds live duplicate jobs of one extractor, not lost or finished ones", () => {
    const f = find(batch("IN_PROGRESS", [
      tierTask(0, "IN_PROGRESS", { extractor_jobs: [
        job("frames", "r1", "IN_PROGRESS"), job("frames", "r2", "PENDING"), job("frames", "r3", "COMPLETED"), job("frames", "r4", "UNKNOWN"),
        job("ocr", "r5", "IN_PROGRESS"), job(null, null, "RUNNING"), job(null, "r7", "IN_PROGRESS"),
      ] }),
      tierTask(1, "IN_PROGRESS", { extractor_jobs: [job("frames", "a", "IN_PROGRESS"), job("ocr", "b", "IN_PROGRESS")] }),
    ]));
    expect(tierOf(f, 0).duplicate_jobs).toEqual([
      { extractor_type: "frames", ray_job_ids: ["r1", "r2"] }, { extractor_type: "unknown", ray_job_ids: ["?", "r7"] },
    ]);
    expect(tierOf(f, 1).duplicate_jobs).toEqual([]);
    expect(f.failure_category).toBeNull();
  });

  it("finds a job that keeps failing while its siblings in a running tier work", () => {
    const f = find(batch("IN_PROGRESS", [
      tierTask(0, "IN_PROGRESS", { extractor_jobs: [
        job("ocr", "r_ocr", "FAILED", { error: "CUDA error: device-side assert" }), job("frames", "r_frames", "IN_PROGRESS"),
        job("caption", "r_cap", "IN_PROGRESS", { restarts: 3 }), job("lost", "r_lost", "UNKNOWN"), job("nameless", null, "FAILED"),
        job("done", "r_done", "COMPLETED", { error: "old error" }),
      ] }),
      tierTask(1, "IN_PROGRESS", { extractor_jobs: [job("a", "r_a", "FAILED"), job("b", "r_b", "FAILED")] }),
      tierTask(2, "IN_PROGRESS", { extractor_jobs: [job("a", "r_only", "FAILED")] }),
      tierTask(3, "FAILED", { extractor_jobs: [job("a", "r_x", "FAILED"), job("b", "r_y", "COMPLETED")] }),
      tierTask(4, "IN_PROGRESS", { extractor_jobs: [job(null, "r_n", "IN_PROGRESS", { error: "boom" }), job("b", "r_ok", "IN_PROGRESS"), job("c", "r_s", null)] }),
      tierTask(5, "IN_PROGRESS", { extractor_jobs: [job("a", "r_q", null, { error: "crashed" }), job("b", "r_fine", "IN_PROGRESS")] }),
    ]));
    expect(tierOf(f, 0).failing_jobs).toEqual([
      { extractor_type: "ocr", ray_job_id: "r_ocr", status: "FAILED", error: "CUDA error: device-side assert" },
      { extractor_type: "caption", ray_job_id: "r_cap", status: "IN_PROGRESS" },
    ]);
    // Every job failing is the tier failing, not one job; one job alone has no siblings.
    expect(tierOf(f, 1).failing_jobs).toEqual([]);
    expect(tierOf(f, 2).failing_jobs).toEqual([]);
    expect(tierOf(f, 3).failing_jobs).toEqual([]);
    expect(tierOf(f, 4).failing_jobs).toEqual([{ extractor_type: "unknown", ray_job_id: "r_n", status: "IN_PROGRESS", error: "boom" }]);
    expect(tierOf(f, 5).failing_jobs).toEqual([{ extractor_type: "a", ray_job_id: "r_q", status: "UNKNOWN", error: "crashed" }]);
    expect(f.failure_category).toBe("pipeline");
  });

  it("names the slowest stage with its share of the time", () => {
    const stages = (stage_history: { name: string; duration_seconds?: number | null }[]) =>
      find(batch("COMPLETED", [tierTask(0, "COMPLETED")], { progress: { stage_history } })).tiers[0]!.slowest_stage;
    expect(stages([{ name: "download", duration_seconds: 10 }, { name: "embed", duration_seconds: 30 }, { name: "write", duration_seconds: null }])).toBe("embed (75% of time)");
    expect(stages([{ name: "a", duration_seconds: 1 }, { name: "b", duration_seconds: 2 }])).toBe("b (67% of time)");
    const many = [5, 1, 9, 3, 7, 2].map((d, i) => ({ name: `s${i}`, duration_seconds: d }));
    expect(stages(many)).toBe("s2 (33% of time)");
    expect(stages([...many].reverse())).toBe("s2 (33% of time)");
    expect(stages([{ name: "x", duration_seconds: null }, ...many])).toBe("s2 (33% of time)");
    expect(stages([{ name: "a", duration_seconds: 0 }])).toBeUndefined();
    expect(stages([])).toBeUndefined();
    expect(find(batch("COMPLETED", [tierTask(0, "COMPLETED")])).tiers[0]).not.toHaveProperty("slowest_stage");
  });
});

describe("computeFindings: what the diagnosis adds", () => {
  it("views infrastructure events, clipped and with nulls for what is missing", () => {
    const f = find(batch("FAILED"), {
      infrastructure_events: [
        { type: "OOM", tier_num: 1, ray_job_id: "raysubmit_1", timestamp: "2026-12-02T11:00:00.000Z", message: "killed" },
        { type: "t".repeat(70), message: "" },
      ],
    });
    expect(f.events).toEqual([
      { type: "OOM", tier_num: 1, ray_job_id: "raysubmit_1", timestamp: "2026-12-02T11:00:00.000Z", message: "killed" },
      { type: `${"t".repeat(60)}…[10 more]`, tier_num: null, ray_job_id: null, timestamp: null },
    ]);
  });

  it("keeps the API's recommendations and category", () => {
    const f = find(batch("FAILED", [tierTask(0, "FAILED", { errors: [{ message: "out of memory" }] })]), {
      failure_category: "pipeline", recommendations: [{ text: "Fix the input" }],
    });
    expect(f.failure_category).toBe("pipeline");
    expect(f.api_recommendations).toEqual([{ text: "Fix the input" }]);
  });
});

describe("computeFindings: a failed Qdrant write, wherever the API says it", () => {
  const failed = (more: Partial<TierTask> = {}, batchMore: Partial<Batch> = {}) =>
    batch("FAILED", [tierTask(0, "COMPLETED"), tierTask(1, "FAILED", { extractor_jobs: [job("embed", "raysubmit_e", "COMPLETED")], ...more })], batchMore);
  const qdrant = (f: Findings) => f.tiers.map((t) => t.qdrant_write_failed);

  it.each([
    ["an error type", failed({ errors: [{ error_type: "qdrant_write_failed", message: "timed out" }] })],
    ["an error message", failed({ errors: [{ message: "Qdrant upsert failed: connection refused" }] })],
    ["a key of the tier's error summary", failed({ error_summary: { qdrant_write_failed: 1 } })],
    ["the batch's failure text", failed({}, { error: "Tier 1 failed: qdrant_write_failed: upsert timed out" })],
    ["the batch's failure_reason", failed({}, { failure_reason: "Tier 1: Qdrant write timed out after 30 s" })],
  ])("reads it from %s", (_where, b) => {
    expect(qdrant(find(b))).toEqual([false, true]);
    expect(find(b).failure_category).toBe("infrastructure");
  });

  it("reads it from the diagnosis' recommendations, as an object or as text naming the tier", () => {
    expect(qdrant(find(failed(), { recommendations: [{ action: "retry_qdrant_write", tier_num: 1 }] }))).toEqual([false, true]);
    expect(qdrant(find(failed(), { recommendations: [{ text: "Tier 1: qdrant_write_failed; retry the write from S3" }] }))).toEqual([false, true]);
    expect(qdrant(find(failed(), { recommendations: [{ text: "Retry tier 1 with more memory" }] }))).toEqual([false, false]);
  });

  it("is never claimed for a tier that did not fail, or from text about something else", () => {
    expect(qdrant(find(batch("IN_PROGRESS", [tierTask(0, "IN_PROGRESS", { errors: [{ error_type: "qdrant_write_failed" }] })])))).toEqual([false]);
    expect(qdrant(find(failed({ errors: [{ message: "ValueError: could not decode page image" }] })))).toEqual([false, false]);
  });
});

describe("computeFindings: failure_category when the API gives none", () => {
  const category = (tiers: TierTask[], documents: FailedDocument[] = [], status = "FAILED") =>
    find(batch(status, tiers), undefined, documents).failure_category;
  const stuckTier = tierTask(2, "IN_PROGRESS", { last_activity_at: ago(30 * MIN) });
  const oomTier = tierTask(1, "FAILED", { errors: [{ message: "OOM" }] });
  const lostTier = tierTask(3, "FAILED", { extractor_jobs: [job("x", "r", "UNKNOWN")] });
  const failingTier = tierTask(4, "IN_PROGRESS", { extractor_jobs: [job("a", "r_a", "FAILED"), job("b", "r_b", "IN_PROGRESS")] });
  const permanent = doc("validation", "Missing field 'title'");
  const transient = doc("network", "Connection reset by peer");

  it("ranks out of memory, then lost jobs, then a stuck tier, then pipeline errors, then transient ones", () => {
    expect(category([stuckTier, lostTier, oomTier], [permanent])).toBe("infrastructure");
    expect(category([stuckTier, lostTier, failingTier], [permanent])).toBe("orphaned");
    expect(category([stuckTier, failingTier], [permanent])).toBe("timeout");
    expect(category([failingTier], [transient])).toBe("pipeline");
    expect(category([tierTask(0, "FAILED")], [transient, permanent])).toBe("pipeline");
    expect(category([tierTask(0, "FAILED")], [transient])).toBe("infrastructure");
    expect(category([tierTask(0, "FAILED")], [])).toBeNull();
    expect(category([tierTask(0, "COMPLETED")], [], "COMPLETED")).toBeNull();
  });
});

describe("transientCategories", () => {
  it("names the error summary's categories that may pass on retry", () => {
    const f = find(batch("FAILED", [], { error_summary: { network: 3, resource: 1, validation: 2, timeout: 0, runtime: 5 } }));
    expect(transientCategories(f)).toEqual(["network", "resource"]);
  });
});

describe("formatBytes", () => {
  it("uses GiB from one GiB up, to one decimal without trailing zero, and MiB below", () => {
    expect(formatBytes(8 * GIB)).toBe("8 GiB");
    expect(formatBytes(1.5 * GIB)).toBe("1.5 GiB");
    expect(formatBytes(GIB)).toBe("1 GiB");
    expect(formatBytes(GIB - 2 ** 20)).toBe("1023 MiB");
    expect(formatBytes(512 * 2 ** 20)).toBe("512 MiB");
    expect(formatBytes(1024 * GIB)).toBe("1024 GiB");
  });
});

describe("summarise", () => {
  const findings = (status: string, tiers: TierFinding[] = [], more: Partial<Findings> = {}) => findingsFor("btch_s")(status, tiers, more);
  const group = (transient: boolean) => ({
    signature: "s", error_type: transient ? "network" : "validation", message: "m", transient, count: 1, max_retry_count: 0, tiers: [0], example_document_ids: [],
  });

  it("says when there is nothing to do, and only then", () => {
        // The verdict is joined with ": " like any other part (the colon reads oddly; either way passes).
    expect(summarise(findings("COMPLETED"))).toMatch(/^Batch btch_s is COMPLETED:? with no failures; nothing to do\.$/);
    expect(summarise(findings("COMPLETED", [], { notes: ["unread"] }))).toMatch(/^Batch btch_s is COMPLETED:? with no failure this server can see\.$/);
    expect(summarise(findings("COMPLETED", [], { failed_document_count: null }))).toBe("Batch btch_s is COMPLETED: how many documents failed is unknown.");
    expect(summarise(findings("CANCELED"))).toMatch(/^Batch btch_s is CANCELED:? with no failure this server can see\.$/);
    expect(summarise(findings("DRAFT"))).toBe("Batch btch_s is DRAFT.");
  });

  it("says a running batch progresses, and flags a status it does not know", () => {
    expect(summarise(findings("IN_PROGRESS", [], { failed_document_count: null }))).toMatch(/^Batch btch_s is IN_PROGRESS:? and progressing normally\.$/);
    expect(summarise(findings("RUNNING", [], { failed_document_count: null })))
      .toBe("Batch btch_s is RUNNING (a status this server does not know): how many documents failed is unknown.");
    expect(summarise(findings("QUEUED"))).toMatch(/^Batch btch_s is QUEUED \(a status this server does not know\):? and progressing normally\.$/);
  });

  it("names the most important tier problem first", () => {
    const oom = tier(1, "FAILED", { oom: true, resources: { requires_gpu: true, num_cpus: 4, memory_bytes: 8 * GIB, priority: null, extractor_name: null } });
    const orphan = tier(2, "FAILED", { orphaned: true });
    const stuck = tier(3, "IN_PROGRESS", { stuck: true, idle_seconds: 1530 });
    const dup = tier(4, "IN_PROGRESS", { duplicate_jobs: [{ extractor_type: "frames", ray_job_ids: ["a", "b"] }] });
    const failing = tier(5, "IN_PROGRESS", { failing_jobs: [{ extractor_type: "ocr", ray_job_id: "r_ocr", status: "FAILED" }] });
    const s = (...tiers: TierFinding[]) => summarise(findings("FAILED", tiers));
    expect(s(failing, dup, stuck, orphan, oom)).toBe("Batch btch_s is FAILED: tier 1 ran out of memory at 8 GiB.");
    expect(s(tier(1, "FAILED", { oom: true }))).toBe("Batch btch_s is FAILED: tier 1 ran out of memory.");
    expect(s(failing, dup, stuck, orphan)).toBe("Batch btch_s is FAILED: tier 2 lost its Ray job.");
    expect(s(failing, dup, stuck)).toBe("Batch btch_s is FAILED: tier 3 has shown no activity for 26 min.");
    expect(s(tier(3, "IN_PROGRESS", { stuck: true }))).toBe("Batch btch_s is FAILED: tier 3 has shown no activity for 0 min.");
    expect(s(failing, dup)).toBe("Batch btch_s is FAILED: tier 4 runs duplicate frames jobs.");
    expect(s(failing)).toBe("Batch btch_s is FAILED: job r_ocr (ocr) in tier 5 keeps failing.");
    expect(s(tier(0, "COMPLETED"), tier(6, "FAILED"), tier(7, "FAILED"))).toBe("Batch btch_s is FAILED: tier 6, 7 failed.");
  });

  it("counts failed documents and says whether their errors are transient, permanent or unread", () => {
    const s = (more: Partial<Findings>) => summarise(findings("COMPLETED_WITH_ERRORS", [], more));
    expect(s({ failed_document_count: 10, failure_groups: [group(true), group(false)], sampled_documents: 10 }))
      .toBe("Batch btch_s is COMPLETED_WITH_ERRORS: 10 document(s) failed with transient and permanent errors.");
    expect(s({ failed_document_count: 3, failure_groups: [group(true)], sampled_documents: 3 })).toBe("Batch btch_s is COMPLETED_WITH_ERRORS: 3 document(s) failed with transient errors.");
    expect(s({ failed_document_count: 3, failure_groups: [group(false)], sampled_documents: 3 })).toBe("Batch btch_s is COMPLETED_WITH_ERRORS: 3 document(s) failed with permanent errors.");
    expect(s({ failed_document_count: 12 })).toBe("Batch btch_s is COMPLETED_WITH_ERRORS: 12 document(s) failed (not read).");
    expect(s({ failed_document_count: 12, sampled_documents: 4 })).toBe("Batch btch_s is COMPLETED_WITH_ERRORS: 12 document(s) failed.");
    expect(s({ failed_document_count: null })).toBe("Batch btch_s is COMPLETED_WITH_ERRORS: how many documents failed is unknown.");
    expect(summarise(findings("FAILED", [tier(1, "FAILED", { oom: true })], { failed_document_count: null })))
      .toBe("Batch btch_s is FAILED: tier 1 ran out of memory; how many documents failed is unknown.");
    expect(summarise(findings("IN_PROGRESS", [], { failed_document_count: 2 }))).toBe("Batch btch_s is IN_PROGRESS: 2 document(s) failed (not read).");
  });
});
