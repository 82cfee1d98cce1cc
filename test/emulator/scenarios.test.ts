// Each scenario is fixed by the remediation a good operator would choose, and not by the wrong
// ones. Real loopback HTTP; every request advances the virtual clock by one step (10 s), so
// "settles within N polls" is "settles within N × 10 virtual seconds".
import { describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { GIB, api, tier, useEmulator, type Api, type Json } from "./helpers.js";

let emulator: Emulator;
let a: Api;
useEmulator("test", (started, client) => { emulator = started; a = client; });

const failedDocs = async (scenario: Parameters<typeof a.ref>[0], query: Record<string, number> = {}) =>
  (await a.call("listFailedDocuments", a.ref(scenario), { query: { limit: 1000, ...query } })).body;
const diagnosis = async (scenario: Parameters<typeof a.ref>[0]) => (await a.call("diagnoseBatch", a.ref(scenario))).body;

describe("oom-gpu-tier", () => {
  it("starts FAILED: the GPU tier's job was OOM-killed and its documents failed with resource errors", async () => {
    const batch = await a.batch("oom-gpu-tier");
    expect(batch.status).toBe("FAILED");
    expect(tier(batch, 0).status).toBe("COMPLETED");
    expect(tier(batch, 1)).toMatchObject({ status: "FAILED", submission_params: { requires_gpu: true, memory_bytes: 8 * GIB, deployment_mode: "gke", priority: 100 } });
    expect(tier(batch, 1).extractor_jobs[0]).toMatchObject({ extractor_type: "video_embedding_v2", status: "FAILED", error: expect.stringMatching(/OOMKilled/) });
    const d = await diagnosis("oom-gpu-tier");
    expect(d).toMatchObject({ failure_category: "infrastructure", failed_document_count: 48, infrastructure_events: [{ type: "oom", tier_num: 1 }] });
    expect(d.recommendations[0]).toMatch(/Retry tier 1 with more memory/);
    const docs = await failedDocs("oom-gpu-tier");
    expect(docs.documents.every((x: Json) => x.error_type === "resource" && /CUDA out of memory/.test(x.error_message))).toBe(true);
    const logs = (await a.call("getBatchLogs", a.ref("oom-gpu-tier"), { query: { tier_num: 1 } })).body;
    expect(logs.tiers[0].logs).toMatch(/OutOfMemoryError[\s\S]*Ray killed this worker/);
  });

  it("is fixed by retrying the tier with 16 GiB", async () => {
    const tier0 = tier(await a.batch("oom-gpu-tier"), 0);
    const retried = await a.call("retryTier", { ...a.ref("oom-gpu-tier"), tier_num: 1 }, { body: { memory_bytes: 16 * GIB } });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ tier_num: 1, status: "PENDING", submission_params: { memory_bytes: 16 * GIB, requires_gpu: true } });
    expect(retried.body.ray_job_ids[0]).not.toBe(tier0.ray_job_id);
    const { body, polls } = await a.settle("oom-gpu-tier");
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeLessThanOrEqual(6);
    expect(tier(body, 0).completed_at).toBe(tier0.completed_at);
    expect(tier(body, 1)).toMatchObject({ status: "COMPLETED", documents_written: 48 });
    expect((await failedDocs("oom-gpu-tier")).total).toBe(0);
    expect((await diagnosis("oom-gpu-tier")).failure_category).toBeNull();
  });

  it("is not fixed by retrying documents: they OOM again and their retry_count goes up", async () => {
    const retried = await a.call("retryDocuments", a.ref("oom-gpu-tier"), { body: { retry_mode: "transient_only" } });
    expect(retried.body).toMatchObject({ retried_count: 48, skipped_count: 0, status: "PROCESSING" });
    expect((await a.settle("oom-gpu-tier")).body.status).toBe("FAILED");
    const docs = await failedDocs("oom-gpu-tier");
    expect(docs.total).toBe(48);
    expect(docs.documents.every((x: Json) => x.retry_count === 1 && x.error_type === "resource")).toBe(true);
    expect(tier(await a.batch("oom-gpu-tier"), 1).errors[0].metadata.retry_count).toBe(1);
  });

  it("is not fixed by resubmitting or retrying the tier with the same memory", async () => {
    const resubmitted = await a.call("resubmitBatch", a.ref("oom-gpu-tier"), { query: { from_tier: 1 } });
    expect(resubmitted.body).toMatchObject({ from_tier: 1, submitted: true });
    expect((await a.settle("oom-gpu-tier")).body.status).toBe("FAILED");
    await a.call("retryTier", { ...a.ref("oom-gpu-tier"), tier_num: 1 }, { body: { priority: 50 } });
    const { body } = await a.settle("oom-gpu-tier");
    expect(body.status).toBe("FAILED");
    expect(tier(body, 1).submission_params.priority).toBe(50);
    expect((await diagnosis("oom-gpu-tier")).infrastructure_events).toHaveLength(3);
  });
});

describe("stuck-tier", () => {
  it("sits IN_PROGRESS with an activity timestamp ~25 minutes old that never moves", async () => {
    const batch = await a.batch("stuck-tier");
    const t1 = tier(batch, 1);
    expect(batch.status).toBe("IN_PROGRESS");
    expect(t1.extractor_jobs[0].status).toBe("IN_PROGRESS");
    const idle = emulator.clock.now() - Date.parse(t1.last_activity_at);
    expect(idle).toBeGreaterThan(24 * 60_000);
    expect(idle).toBeLessThan(26 * 60_000);
    emulator.clock.advance(60 * 60_000);
    expect(tier(await a.batch("stuck-tier"), 1).last_activity_at).toBe(t1.last_activity_at);
    expect((await diagnosis("stuck-tier")).failure_category).toBe("timeout");
  });

  it("is fixed by detect_stuck, then retrying the tier", async () => {
    const healed = await a.call("healTier", { ...a.ref("stuck-tier"), tier_num: 1 }, { body: { action: "detect_stuck" } });
    expect(healed.body).toMatchObject({ action: "detect_stuck", stuck: true, tier_status: "FAILED" });
    expect(healed.body.stale_seconds).toBeGreaterThan(24 * 60);
    expect(healed.body.affected_job_ids).toEqual([tier(await a.batch("stuck-tier"), 1).extractor_jobs[0].ray_job_id]);
    const failed = await a.batch("stuck-tier");
    expect(failed.status).toBe("FAILED");
    expect(tier(failed, 1).extractor_jobs[0].error).toMatch(/no activity for \d+ s/);
    // Idempotent: a second detection finds nothing and changes nothing.
    const again = await a.call("healTier", { ...a.ref("stuck-tier"), tier_num: 1 }, { body: { action: "detect_stuck" } });
    expect(again.body).toMatchObject({ stuck: false, affected_job_ids: [], tier_status: "FAILED" });
    await a.call("retryTier", { ...a.ref("stuck-tier"), tier_num: 1 }, { body: {} });
    const { body, polls } = await a.settle("stuck-tier");
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeLessThanOrEqual(6);
  });

  it("is also fixed by detect_stuck then resubmit from tier 1, or by cancel tier then retry tier", async () => {
    await a.call("healTier", { ...a.ref("stuck-tier"), tier_num: 1 }, { body: { action: "detect_stuck" } });
    expect((await a.call("resubmitBatch", a.ref("stuck-tier"), { query: { from_tier: 1 } })).status).toBe(200);
    expect((await a.settle("stuck-tier")).body.status).toBe("COMPLETED");

    const other = await startEmulator({ port: 0, scenarios: ["stuck-tier"] });
    try {
      const b = api(other);
      const canceled = await b.call("cancelTier", { ...b.ref("stuck-tier"), tier_num: 1 });
      expect(canceled.body).toMatchObject({ tier_num: 1, status: "CANCELED", batch_status: "CANCELED" });
      expect(canceled.body.canceled_job_ids).toHaveLength(1);
      await b.call("retryTier", { ...b.ref("stuck-tier"), tier_num: 1 }, { body: {} });
      expect((await b.settle("stuck-tier")).body.status).toBe("COMPLETED");
    } finally {
      await other.close();
    }
  });

  it("is not fixed by waiting or by retrying documents", async () => {
    expect((await a.settle("stuck-tier", 20)).body.status).toBe("IN_PROGRESS");
    const retry = await a.call("retryDocuments", a.ref("stuck-tier"), { body: {} });
    expect(retry.status).toBe(400);
    expect(retry.body.error.message).toMatch(/is IN_PROGRESS/);
    // Nothing to retry on a tier that is still running.
    expect((await a.call("retryTier", { ...a.ref("stuck-tier"), tier_num: 1 }, { body: {} })).status).toBe(400);
  });
});

describe("duplicate-jobs", () => {
  it("stalls at half way while two jobs of one extractor run", async () => {
    const batch = (await a.settle("duplicate-jobs", 20)).body;
    expect(batch.status).toBe("IN_PROGRESS");
    const jobs = tier(batch, 0).extractor_jobs;
    expect(jobs.map((j: Json) => [j.extractor_type, j.status])).toEqual([["video_frame_extractor_v1", "IN_PROGRESS"], ["video_frame_extractor_v1", "IN_PROGRESS"]]);
    // Contending jobs are active, not stuck.
    const stuck = await a.call("healTier", { ...a.ref("duplicate-jobs"), tier_num: 0 }, { body: { action: "detect_stuck" } });
    expect(stuck.body.stuck).toBe(false);
    expect((await a.batch("duplicate-jobs")).status).toBe("IN_PROGRESS");
  });

  it("completes once kill_duplicates cancels the later job", async () => {
    const [first, second] = tier(await a.batch("duplicate-jobs"), 0).extractor_jobs;
    const killed = await a.call("healTier", { ...a.ref("duplicate-jobs"), tier_num: 0 }, { body: { action: "kill_duplicates" } });
    expect(killed.body).toMatchObject({ action: "kill_duplicates", killed_job_ids: [second.ray_job_id], kept_job_ids: [first.ray_job_id] });
    const again = await a.call("healTier", { ...a.ref("duplicate-jobs"), tier_num: 0 }, { body: { action: "kill_duplicates" } });
    expect(again.body).toMatchObject({ killed_job_ids: [], kept_job_ids: [] });
    const { body, polls } = await a.settle("duplicate-jobs");
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeLessThanOrEqual(6);
    expect(tier(body, 0).extractor_jobs.map((j: Json) => j.status)).toEqual(["COMPLETED", "CANCELED"]);
  });
});

describe("transient-network", () => {
  it("has 12 network failures in two signatures", async () => {
    const batch = await a.batch("transient-network");
    expect(batch).toMatchObject({ status: "COMPLETED_WITH_ERRORS", error_summary: { network: 12 } });
    const groups = tier(batch, 0).errors.map((e: Json) => [e.error_type, e.affected_count]);
    expect(groups.sort()).toEqual([["network", 4], ["network", 8]]);
    const docs = await failedDocs("transient-network");
    expect(docs.total).toBe(12);
    expect(docs.documents[0].error_message).toMatch(new RegExp(`s3://sandbox-media/raw/${docs.documents[0].object_id}\\.mp4`));
    expect((await diagnosis("transient-network")).failure_category).toBe("infrastructure");
  });

  it("is fixed by retrying transient errors", async () => {
    const retried = await a.call("retryDocuments", a.ref("transient-network"), { body: { retry_mode: "transient_only", tier_nums: [0] } });
    expect(retried.body).toMatchObject({ retried_count: 12, skipped_count: 0, skipped_max_retries: 0, status: "PROCESSING" });
    expect((await a.call("getTask", { task_id: retried.body.task_id })).body.status).toBe("PROCESSING");
    const { body, polls } = await a.settle("transient-network");
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeLessThanOrEqual(3);
    expect(tier(body, 0)).toMatchObject({ documents_written: 48, errors: [], error_summary: null });
    expect((await failedDocs("transient-network")).total).toBe(0);
  });

  it("is not touched by a retry aimed at another tier, and refuses tier retry and resubmit", async () => {
    const retried = await a.call("retryDocuments", a.ref("transient-network"), { body: { tier_nums: [1] } });
    expect(retried.body).toMatchObject({ retried_count: 0, skipped_count: 12, status: "COMPLETED_WITH_ERRORS" });
    expect((await a.batch("transient-network")).status).toBe("COMPLETED_WITH_ERRORS");
    const tierRetry = await a.call("retryTier", { ...a.ref("transient-network"), tier_num: 0 }, { body: {} });
    expect(tierRetry.status).toBe(400);
    expect(tierRetry.body.error.message).toMatch(/is COMPLETED/);
    expect((await a.call("resubmitBatch", a.ref("transient-network"))).status).toBe(400);
  });
});

describe("permanent-bad-input", () => {
  it("has validation and dependency errors, diagnosed as a pipeline problem", async () => {
    const batch = await a.batch("permanent-bad-input");
    expect(batch).toMatchObject({ status: "COMPLETED_WITH_ERRORS", error_summary: { validation: 8, dependency: 2 } });
    const d = await diagnosis("permanent-bad-input");
    expect(d.failure_category).toBe("pipeline");
    expect(d.recommendations.join(" ")).toMatch(/Fix the input data/);
  });

  it("is not fixed by any retry, which only bumps retry_count, up to max_retry_count", async () => {
    const transientOnly = await a.call("retryDocuments", a.ref("permanent-bad-input"), { body: {} });
    expect(transientOnly.body).toMatchObject({ retried_count: 0, skipped_count: 10, status: "COMPLETED_WITH_ERRORS" });
    for (let round = 1; round <= 3; round++) {
      const all = await a.call("retryDocuments", a.ref("permanent-bad-input"), { body: { retry_mode: "all" } });
      expect(all.body.retried_count).toBe(10);
      expect((await a.settle("permanent-bad-input")).body.status).toBe("COMPLETED_WITH_ERRORS");
      const docs = await failedDocs("permanent-bad-input");
      expect(docs.total).toBe(10);
      expect(docs.documents.every((d: Json) => d.retry_count === round)).toBe(true);
    }
    const exhausted = await a.call("retryDocuments", a.ref("permanent-bad-input"), { body: { retry_mode: "all" } });
    expect(exhausted.body).toMatchObject({ retried_count: 0, skipped_max_retries: 10 });
    const raised = await a.call("retryDocuments", a.ref("permanent-bad-input"), { body: { retry_mode: "all", max_retry_count: 5 } });
    expect(raised.body.retried_count).toBe(10);
  });
});

describe("failing-job-multi-extractor", () => {
  const jobs = async () => tier(await a.batch("failing-job-multi-extractor"), 0).extractor_jobs as Json[];
  const ocr = async () => (await jobs()).find((j) => j.extractor_type === "ocr_extractor_v1");

  it("never completes while the OCR job crash-loops, and its errors keep growing", async () => {
    const before = await ocr();
    expect(before).toMatchObject({ status: "IN_PROGRESS", error: expect.stringMatching(/^Worker exited with code 1: /) });
    expect((await a.settle("failing-job-multi-extractor", 20)).body.status).toBe("IN_PROGRESS");
    const after = await ocr();
    expect(after.errors[0].affected_count).toBeGreaterThan(before.errors[0].affected_count);
    const d = await diagnosis("failing-job-multi-extractor");
    expect(d.failure_category).toBe("pipeline");
    expect(d.recommendations.join(" ")).toContain(after.ray_job_id);
    const logs = (await a.call("getBatchLogs", a.ref("failing-job-multi-extractor"))).body;
    expect(logs.tiers.find((t: Json) => t.ray_job_id === after.ray_job_id).logs).toMatch(/Traceback[\s\S]*ValueError: could not decode page image/);
  });

  it("completes once that one job is canceled; the others run on", async () => {
    const job = await ocr();
    const canceled = await a.call("cancelJob", { ...a.ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: job.ray_job_id });
    expect(canceled.body).toMatchObject({ ray_job_id: job.ray_job_id, status: "CANCELED", batch_status: "IN_PROGRESS" });
    const { body, polls } = await a.settle("failing-job-multi-extractor");
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeLessThanOrEqual(6);
    expect(tier(body, 0).extractor_jobs.map((j: Json) => j.status)).toEqual(["COMPLETED", "COMPLETED", "CANCELED"]);
    // Canceling it again is an invalid transition.
    expect((await a.call("cancelJob", { ...a.ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: job.ray_job_id })).status).toBe(400);
  });

  it("stays stuck when a healthy job is canceled instead; an unknown job is 404", async () => {
    const frames = (await jobs()).find((j) => j.extractor_type === "video_frame_extractor_v1");
    await a.call("cancelJob", { ...a.ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: frames.ray_job_id });
    expect((await a.settle("failing-job-multi-extractor", 20)).body.status).toBe("IN_PROGRESS");
    const missing = await a.call("cancelJob", { ...a.ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: "raysubmit_nope" });
    expect(missing.status).toBe(404);
    expect(missing.body.error.details).toEqual({ resource: "job", id: "raysubmit_nope" });
  });
});

describe("orphaned-tier", () => {
  it("failed because tier 1's Ray job was lost", async () => {
    const batch = await a.batch("orphaned-tier");
    expect(batch.status).toBe("FAILED");
    expect(tier(batch, 1).extractor_jobs[0]).toMatchObject({ status: "UNKNOWN", error: expect.stringMatching(/Ray job not found/) });
    expect((await diagnosis("orphaned-tier")).failure_category).toBe("orphaned");
  });

  it("is fixed by resubmitting from the lost tier, keeping tier 0", async () => {
    const tier0 = tier(await a.batch("orphaned-tier"), 0);
    const resubmitted = await a.call("resubmitBatch", a.ref("orphaned-tier"), { query: { from_tier: 1 } });
    expect(resubmitted.body).toMatchObject({ status: "PENDING", from_tier: 1, submitted: true });
    const { body, polls } = await a.settle("orphaned-tier");
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeLessThanOrEqual(6);
    expect(tier(body, 0)).toEqual(tier0);
  });

  it("is not fixed by retrying documents (there are none); tier 2 does not exist", async () => {
    expect((await a.call("retryDocuments", a.ref("orphaned-tier"), { body: { retry_mode: "all" } })).body.retried_count).toBe(0);
    expect((await a.batch("orphaned-tier")).status).toBe("FAILED");
    expect((await a.call("resubmitBatch", a.ref("orphaned-tier"), { query: { from_tier: 2 } })).status).toBe(404);
  });
});

describe("healthy-completed", () => {
  it("is complete, with stage history, and nothing to diagnose", async () => {
    const batch = await a.batch("healthy-completed");
    expect(batch).toMatchObject({ status: "COMPLETED", current_tier: 1, total_tiers: 2, error: null, error_summary: null });
    expect(batch.progress.stage_history.map((s: Json) => s.name)).toEqual(["loading", "processing", "writing"]);
    expect(batch.tier_tasks.map((t: Json) => t.documents_written)).toEqual([48, 48]);
    expect(tier(batch, 1).parent_task_id).toBe(tier(batch, 0).task_id);
    expect(await diagnosis("healthy-completed")).toMatchObject({ failure_category: null, failed_document_count: 0, recommendations: [] });
  });

  it("refuses every state change with 400 naming its status", async () => {
    const ref = a.ref("healthy-completed");
    const refusals = await Promise.all([
      a.call("cancelBatch", ref),
      a.call("retryDocuments", ref, { body: {} }),
      a.call("resubmitBatch", ref),
      a.call("retryTier", { ...ref, tier_num: 0 }, { body: {} }),
      a.call("cancelTier", { ...ref, tier_num: 1 }),
    ]);
    for (const r of refusals) {
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ success: false, status: 400, error: { type: "BadRequestError", message: expect.stringMatching(/COMPLETED/) } });
    }
    expect((await a.call("healTier", { ...ref, tier_num: 2 }, { body: { action: "detect_stuck" } })).status).toBe(404);
  });
});

describe("still-running", () => {
  it("completes on its own after about 15 requests, and its task mirrors it", async () => {
    const first = await a.batch("still-running");
    expect(first.status).toBe("IN_PROGRESS");
    expect((await a.call("getTask", { task_id: first.task_id })).body).toMatchObject({ status: "IN_PROGRESS", task_type: "api_buckets_batches_process" });
    const { body, polls } = await a.settle("still-running");
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeGreaterThan(8);
    expect(polls).toBeLessThan(18);
    const task = (await a.call("getTask", { task_id: body.task_id })).body;
    expect(task).toMatchObject({ status: "COMPLETED", additional_data: { batch_id: body.batch_id, total_tiers: 2, object_count: 48 } });
  });

  it("can be canceled once, then resubmitted", async () => {
    const canceled = await a.call("cancelBatch", a.ref("still-running"));
    expect(canceled.body).toMatchObject({ status: "CANCELED", task_type: "api_buckets_batches_process" });
    const batch = await a.batch("still-running");
    expect(batch.tier_tasks.map((t: Json) => t.status)).toEqual(["CANCELED", "CANCELED"]);
    expect((await a.call("cancelBatch", a.ref("still-running"))).status).toBe(400);
    expect((await a.call("resubmitBatch", a.ref("still-running"))).body.status).toBe("PENDING");
    expect((await a.settle("still-running")).body.status).toBe("COMPLETED");
  });
});

describe("massive-failures", () => {
  it("holds 100,000 failed documents in a handful of signatures, paged", async () => {
    const batch = await a.batch("massive-failures");
    expect(batch.status).toBe("COMPLETED_WITH_ERRORS");
    const groups = tier(batch, 0).errors as Json[];
    expect(groups.length).toBeLessThanOrEqual(5);
    expect(groups.reduce((n, g) => n + g.affected_count, 0)).toBe(100_000);
    expect(groups.every((g) => g.affected_document_ids.length === 10)).toBe(true);
    expect(batch.error_summary).toEqual({ validation: 80_000, network: 10_000, dependency: 10_000 });
    const page = (await a.call("listFailedDocuments", a.ref("massive-failures"), { query: { limit: 50, offset: 99_990 } })).body;
    expect(page).toMatchObject({ total: 100_000, limit: 50, offset: 99_990 });
    expect(page.documents).toHaveLength(10);
    expect((await diagnosis("massive-failures")).failed_documents_sample).toHaveLength(10);
  });

  it("a transient retry clears only the network failures", async () => {
    const retried = await a.call("retryDocuments", a.ref("massive-failures"), { body: {} });
    expect(retried.body).toMatchObject({ retried_count: 10_000, skipped_count: 90_000 });
    const { body } = await a.settle("massive-failures");
    expect(body.status).toBe("COMPLETED_WITH_ERRORS");
    expect(body.error_summary).toEqual({ validation: 80_000, dependency: 10_000 });
  });
});

describe("oom-needs-more-memory", () => {
  const retryTier = (memory: number) => a.call("retryTier", { ...a.ref("oom-needs-more-memory"), tier_num: 1 }, { body: { memory_bytes: memory } });

  it("starts FAILED like oom-gpu-tier: tier 1 OOM-killed at 8 GiB", async () => {
    const batch = await a.batch("oom-needs-more-memory");
    expect(batch.status).toBe("FAILED");
    expect(tier(batch, 1)).toMatchObject({ status: "FAILED", submission_params: { memory_bytes: 8 * GIB, requires_gpu: true } });
    expect((await diagnosis("oom-needs-more-memory")).recommendations[0]).toMatch(/Retry tier 1 with more memory \(currently 8 GiB\)/);
  });

  it("OOMs again after doubling to 16 GiB, and completes at 32 GiB", async () => {
    expect((await retryTier(16 * GIB)).status).toBe(200);
    const again = (await a.settle("oom-needs-more-memory")).body;
    expect(again.status).toBe("FAILED");
    expect(tier(again, 1).extractor_jobs[0].error).toMatch(/memory limit of 16 GiB/);
    const d = await diagnosis("oom-needs-more-memory");
    expect(d.infrastructure_events).toHaveLength(2);
    expect(d.recommendations[0]).toMatch(/currently 16 GiB/);
    // Retrying the documents at 16 GiB does not help either.
    await a.call("retryDocuments", a.ref("oom-needs-more-memory"), { body: { retry_mode: "all" } });
    expect((await a.settle("oom-needs-more-memory")).body.status).toBe("FAILED");

    await retryTier(32 * GIB);
    const { body, polls } = await a.settle("oom-needs-more-memory");
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeLessThanOrEqual(6);
    expect(tier(body, 1)).toMatchObject({ documents_written: 48, submission_params: { memory_bytes: 32 * GIB } });
  });
});

describe("mixed-failures", () => {
  it("ends COMPLETED_WITH_ERRORS with 6 transient failures of three kinds and 4 permanent ones", async () => {
    const batch = await a.batch("mixed-failures");
    expect(batch).toMatchObject({ status: "COMPLETED_WITH_ERRORS", error_summary: { network: 6, validation: 4 } });
    const docs = (await failedDocs("mixed-failures")).documents as Json[];
    const messages = docs.map((d) => d.error_message as string);
    expect(messages.filter((m) => /^Read timed out/.test(m))).toHaveLength(2);
    expect(messages.filter((m) => /^Connection reset/.test(m))).toHaveLength(2);
    expect(messages.filter((m) => /^503 Service Unavailable from s3:\/\//.test(m))).toHaveLength(2);
    expect(messages.filter((m) => /^Missing required field 'title'/.test(m))).toHaveLength(4);
    const d = await diagnosis("mixed-failures");
    expect(d.recommendations.join("\n")).toMatch(/Retry 6 failed documents with retry_mode transient_only[\s\S]*Fix the input data of 4 documents/);
  });

  it("a transient-only retry fixes the 6; the 4 permanent ones remain, and retry_mode all does not fix them", async () => {
    const retried = await a.call("retryDocuments", a.ref("mixed-failures"), { body: { retry_mode: "transient_only" } });
    expect(retried.body).toMatchObject({ retried_count: 6, skipped_count: 4 });
    const { body } = await a.settle("mixed-failures");
    expect(body).toMatchObject({ status: "COMPLETED_WITH_ERRORS", error_summary: { validation: 4 } });
    expect(body.error_summary.network).toBeUndefined();
    await a.call("retryDocuments", a.ref("mixed-failures"), { body: { retry_mode: "all" } });
    expect((await a.settle("mixed-failures")).body.status).toBe("COMPLETED_WITH_ERRORS");
    const docs = await failedDocs("mixed-failures");
    expect(docs.total).toBe(4);
    expect(docs.documents.every((d: Json) => d.error_type === "validation" && d.retry_count === 1)).toBe(true);
  });
});

describe("orphaned-running", () => {
  const cancelTier = () => a.call("cancelTier", { ...a.ref("orphaned-running"), tier_num: 1 });
  const retryTier = () => a.call("retryTier", { ...a.ref("orphaned-running"), tier_num: 1 }, { body: {} });

  it("shows the lost job as UNKNOWN while the tier and the batch stay IN_PROGRESS forever", async () => {
    const first = await a.batch("orphaned-running");
    const t1 = tier(first, 1);
    expect(first.status).toBe("IN_PROGRESS");
    expect(t1.status).toBe("IN_PROGRESS");
    expect(t1.extractor_jobs[0]).toMatchObject({
      status: "UNKNOWN", completed_at: null,
      error: `Ray job not found: ${t1.extractor_jobs[0].ray_job_id} (lost after the Ray head node restarted)`,
    });
    expect(emulator.clock.now() - Date.parse(t1.last_activity_at)).toBeGreaterThan(40 * 60_000);
    const { body } = await a.settle("orphaned-running", 40);
    expect(body.status).toBe("IN_PROGRESS");
    expect(tier(body, 1).last_activity_at).toBe(t1.last_activity_at);
    const logs = (await a.call("getBatchLogs", a.ref("orphaned-running"), { query: { tier_num: 1 } })).body;
    expect(logs.tiers[0]).toMatchObject({ status: "UNKNOWN", logs: expect.stringMatching(/Ray head node is restarting/) });
    const d = await diagnosis("orphaned-running");
    expect(d).toMatchObject({ status: "IN_PROGRESS", failure_category: "orphaned" });
    expect(d.recommendations).toEqual([expect.stringMatching(/^Tier 1's Ray job raysubmit_\w+ was lost but the tier still waits on it; cancel tier 1, then retry it$/)]);
  });

  it("is fixed by canceling the tier, then retrying it", async () => {
    const canceled = await cancelTier();
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ status: "CANCELED", batch_status: "CANCELED" });
    expect((await retryTier()).status).toBe(200);
    const { body, polls } = await a.settle("orphaned-running");
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeLessThanOrEqual(6);
    expect(tier(body, 1).documents_written).toBe(48);
  });

  it("refuses a tier retry, a resubmit and a document retry while the tier still runs", async () => {
    expect((await retryTier()).body.error.message).toMatch(/Tier 1 .* is IN_PROGRESS/);
    expect((await a.call("resubmitBatch", a.ref("orphaned-running"), { query: { from_tier: 1 } })).status).toBe(400);
    expect((await a.call("retryDocuments", a.ref("orphaned-running"), { body: {} })).status).toBe(400);
    expect((await a.batch("orphaned-running")).status).toBe("IN_PROGRESS");
  });

  it("is reported stuck by detect_stuck, which marks it FAILED; a tier retry then completes it", async () => {
    const healed = await a.call("healTier", { ...a.ref("orphaned-running"), tier_num: 1 }, { body: { action: "detect_stuck" } });
    expect(healed.body).toMatchObject({ stuck: true, tier_status: "FAILED" });
    expect(healed.body.affected_job_ids).toHaveLength(1);
    expect((await a.batch("orphaned-running")).status).toBe("FAILED");
    await retryTier();
    expect((await a.settle("orphaned-running")).body.status).toBe("COMPLETED");
  });
});

describe("running-unknown-status", () => {
  it("sends RUNNING and QUEUED everywhere, even in the default variant, then completes on its own", async () => {
    const first = await a.batch("running-unknown-status");
    expect(first.status).toBe("RUNNING");
    expect(first.tier_tasks.map((t: Json) => [t.status, t.extractor_jobs[0].status])).toEqual([["RUNNING", "RUNNING"], ["QUEUED", "QUEUED"]]);
    expect((await a.call("getTask", { task_id: first.task_id })).body.status).toBe("RUNNING");
    const d = await diagnosis("running-unknown-status");
    expect(d).toMatchObject({ status: "RUNNING", failure_category: null, recommendations: [] });
    expect(d.per_tier.map((t: Json) => t.status)).toEqual(["RUNNING", "QUEUED"]);
    const logs = (await a.call("getBatchLogs", a.ref("running-unknown-status"))).body;
    expect(logs.tiers.map((t: Json) => t.status)).toEqual(["RUNNING", "QUEUED"]);
    // Only this batch: its neighbours in a list keep the spec's names; the filter takes them too.
    const listed = (await a.call("listBatches", { bucket: "sandbox-media" }, { body: { status: "IN_PROGRESS" } })).body.results as Json[];
    const byId = Object.fromEntries(listed.map((b) => [b.batch_id, b.status]));
    expect(byId[first.batch_id]).toBe("RUNNING");
    expect(byId[emulator.sandbox.batches["still-running"]]).toBe("IN_PROGRESS");
    const { body, polls } = await a.settle("running-unknown-status");
    expect(body.status).toBe("COMPLETED");
    expect(polls).toBeGreaterThan(8);
    expect(polls).toBeLessThan(18);
  });
});

describe("qdrant-write-failed", () => {
  it("fails tier 1 on its Qdrant write after every job completed, and diagnose says to retry the write", async () => {
    const batch = await a.batch("qdrant-write-failed");
    expect(batch.status).toBe("FAILED");
    expect(batch.error).toMatch(/^Tier 1 failed: qdrant_write_failed: upsert to Qdrant timed out/);
    const t1 = tier(batch, 1);
    expect(t1.status).toBe("FAILED");
    expect(t1.extractor_jobs.map((j: Json) => j.status)).toEqual(["COMPLETED"]);
    expect(t1.errors).toEqual([expect.objectContaining({ error_type: "network", message: expect.stringMatching(/^qdrant_write_failed: /), stage: "writing" })]);
    expect(t1.documents_written).toBeNull();
    expect(tier(batch, 0)).toMatchObject({ status: "COMPLETED", documents_written: 48 });
    const d = await diagnosis("qdrant-write-failed");
    expect(d).toMatchObject({ failure_category: "infrastructure", failed_document_count: 0 });
    expect(d.recommendations).toEqual(["Tier 1's output was processed but writing it to Qdrant failed; retry the Qdrant write from S3"]);
  });

  it("is fixed by a tier retry, which reprocesses the tier", async () => {
    expect((await a.call("retryTier", { ...a.ref("qdrant-write-failed"), tier_num: 1 }, { body: {} })).status).toBe(200);
    const { body } = await a.settle("qdrant-write-failed");
    expect(body.status).toBe("COMPLETED");
    expect(tier(body, 1)).toMatchObject({ errors: [], documents_written: 48 });
  });

  it("is not fixed by a document retry: no document failed", async () => {
    expect((await a.call("retryDocuments", a.ref("qdrant-write-failed"), { body: { retry_mode: "all" } })).body).toMatchObject({ retried_count: 0 });
    expect((await a.batch("qdrant-write-failed")).status).toBe("FAILED");
  });
});
