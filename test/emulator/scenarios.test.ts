// Each scenario is fixed by the remediation a good operator would choose, and not by a wrong one.
// Driven through the real client over loopback HTTP; every request advances the virtual clock.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MixpeekClient } from "../../src/api/client.js";
import { MixpeekApi } from "../../src/api/resources.js";
import type { Batch } from "../../src/api/wire.js";
import { isTerminal } from "../../src/domain/status.js";
import { startEmulator, type Emulator, type ScenarioName } from "../../src/emulator/index.js";

const GIB = 2 ** 30;
let emulator: Emulator;
let api: MixpeekApi;
let client: MixpeekClient;

beforeEach(async () => {
  emulator = await startEmulator({ port: 0 });
  client = new MixpeekClient({ baseUrl: emulator.url, apiKey: "sk_test", namespace: emulator.sandbox.namespaceId, timeoutMs: 2000 });
  api = new MixpeekApi(client);
});
afterEach(async () => { await client.close(); await emulator.close(); });

const ref = (name: ScenarioName) => ({ bucket: "sandbox-media", batch_id: emulator.sandbox.batches[name] });
const get = async (name: ScenarioName) => (await api.getBatch(ref(name))).data;

/** Polls until the batch is terminal (each poll is 10 virtual seconds), at most `polls` times. */
async function settle(name: ScenarioName, polls = 40): Promise<Batch> {
  let batch = await get(name);
  for (let i = 0; i < polls && !isTerminal(batch.status); i++) batch = await get(name);
  return batch;
}
const tier = (batch: Batch, n: number) => batch.tier_tasks!.find((t) => t.tier_num === n)!;
const failed = async (name: ScenarioName) => (await api.listFailedDocuments(ref(name), { limit: 1000 })).data;

describe("oom-gpu-tier", () => {
  it("starts FAILED with an OOM event on the GPU tier", async () => {
    const batch = await get("oom-gpu-tier");
    expect(batch.status).toBe("FAILED");
    expect(tier(batch, 1).submission_params).toMatchObject({ requires_gpu: true, memory_bytes: 8 * GIB });
    const diagnosis = (await api.diagnoseBatch(ref("oom-gpu-tier"))).data;
    expect(diagnosis.failure_category).toBe("infrastructure");
    expect(diagnosis.infrastructure_events![0]!.type).toBe("oom");
  });

  it("is fixed by retrying the tier with double the memory", async () => {
    const { data } = await api.retryTier({ ...ref("oom-gpu-tier"), tier_num: 1 }, { memory_bytes: 16 * GIB });
    expect(data.submission_params!.memory_bytes).toBe(16 * GIB);
    const batch = await settle("oom-gpu-tier");
    expect(batch.status).toBe("COMPLETED");
    expect((await failed("oom-gpu-tier")).total).toBe(0);
  });

  it("is not fixed by retrying the tier as it was, by resubmitting, or by retrying documents", async () => {
    await api.retryTier({ ...ref("oom-gpu-tier"), tier_num: 1 }, {});
    expect((await settle("oom-gpu-tier")).status).toBe("FAILED");
    await api.resubmitBatch(ref("oom-gpu-tier"), 1);
    expect((await settle("oom-gpu-tier")).status).toBe("FAILED");
    const { data } = await api.retryDocuments(ref("oom-gpu-tier"), { retry_mode: "transient_only" });
    expect(data.retried_count).toBe(48);
    expect((await settle("oom-gpu-tier")).status).toBe("FAILED");
    const docs = await failed("oom-gpu-tier");
    expect(docs.total).toBe(48);
    expect(docs.documents!.every((d) => d.retry_count === 1 && d.error_type === "resource")).toBe(true);
  });
});

describe("stuck-tier", () => {
  it("makes no progress on its own", async () => {
    emulator.clock.advance(30 * 60_000);
    const batch = await get("stuck-tier");
    expect(tier(batch, 1).status).toBe("IN_PROGRESS");
    expect(Date.parse(tier(batch, 1).last_activity_at!)).toBeLessThan(emulator.clock.now() - 30 * 60_000);
  });

  it("is fixed by detect_stuck, then resubmitting from the tier", async () => {
    const { data } = await api.healTier({ ...ref("stuck-tier"), tier_num: 1 }, "detect_stuck");
    expect(data).toMatchObject({ stuck: true, tier_status: "FAILED" });
    expect(data.affected_job_ids).toHaveLength(1);
    expect((await api.diagnoseBatch(ref("stuck-tier"))).data.failure_category).toBe("timeout");
    await api.resubmitBatch(ref("stuck-tier"), 1);
    const batch = await settle("stuck-tier");
    expect(batch.status).toBe("COMPLETED");
    expect(tier(batch, 0).task_id).toBeTruthy();
  });

  it("is also fixed by cancelling the tier and retrying it", async () => {
    const canceled = await api.cancelTier({ ...ref("stuck-tier"), tier_num: 1 });
    expect(canceled.data).toMatchObject({ status: "CANCELED", batch_status: "CANCELED" });
    await api.retryTier({ ...ref("stuck-tier"), tier_num: 1 }, {});
    expect((await settle("stuck-tier")).status).toBe("COMPLETED");
  });

  it("detect_stuck on a healthy tier changes nothing", async () => {
    const { data } = await api.healTier({ ...ref("still-running"), tier_num: 0 }, "detect_stuck");
    expect(data.stuck).toBe(false);
    expect((await settle("still-running")).status).toBe("COMPLETED");
  });
});

describe("duplicate-jobs", () => {
  it("stalls while two jobs of one extractor run, and completes once the duplicate is killed", async () => {
    const stalled = await settle("duplicate-jobs", 20);
    expect(stalled.status).toBe("IN_PROGRESS");
    const { data } = await api.healTier({ ...ref("duplicate-jobs"), tier_num: 0 }, "kill_duplicates");
    expect(data.killed_job_ids).toHaveLength(1);
    expect(data.kept_job_ids).toHaveLength(1);
    const again = await api.healTier({ ...ref("duplicate-jobs"), tier_num: 0 }, "kill_duplicates");
    expect(again.data.killed_job_ids).toEqual([]);
    expect((await settle("duplicate-jobs")).status).toBe("COMPLETED");
  });
});

describe("transient-network", () => {
  it("is fixed by retrying transient errors", async () => {
    expect((await get("transient-network")).status).toBe("COMPLETED_WITH_ERRORS");
    expect((await failed("transient-network")).total).toBe(12);
    const { data } = await api.retryDocuments(ref("transient-network"), { retry_mode: "transient_only", tier_nums: [0] });
    expect(data.retried_count).toBe(12);
    expect((await settle("transient-network")).status).toBe("COMPLETED");
    expect((await failed("transient-network")).total).toBe(0);
  });

  it("is not touched by a retry aimed at another tier", async () => {
    const { data } = await api.retryDocuments(ref("transient-network"), { tier_nums: [1] });
    expect(data.retried_count).toBe(0);
    expect((await get("transient-network")).status).toBe("COMPLETED_WITH_ERRORS");
  });
});

describe("permanent-bad-input", () => {
  it("is not fixed by any retry, which only bumps retry_count", async () => {
    const transientOnly = await api.retryDocuments(ref("permanent-bad-input"), {});
    expect(transientOnly.data.retried_count).toBe(0);
    const all = await api.retryDocuments(ref("permanent-bad-input"), { retry_mode: "all" });
    expect(all.data.retried_count).toBe(10);
    expect((await settle("permanent-bad-input")).status).toBe("COMPLETED_WITH_ERRORS");
    const docs = await failed("permanent-bad-input");
    expect(docs.total).toBe(10);
    expect(docs.documents!.every((d) => d.retry_count === 1)).toBe(true);
  });

  it("honours max_retry_count", async () => {
    await api.retryDocuments(ref("permanent-bad-input"), { retry_mode: "all" });
    await settle("permanent-bad-input");
    const { data } = await api.retryDocuments(ref("permanent-bad-input"), { retry_mode: "all", max_retry_count: 1 });
    expect(data).toMatchObject({ retried_count: 0, skipped_max_retries: 10 });
  });
});

describe("failing-job-multi-extractor", () => {
  const crashing = async () => tier(await get("failing-job-multi-extractor"), 0).extractor_jobs!.find((j) => j.extractor_type === "ocr_extractor_v1")!;

  it("never completes while one extractor crash-loops", async () => {
    const batch = await settle("failing-job-multi-extractor", 20);
    expect(batch.status).toBe("IN_PROGRESS");
    expect((await crashing()).error).toMatch(/exited with code 1/);
  });

  it("completes once that job is cancelled", async () => {
    const job = await crashing();
    await api.cancelJob({ ...ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: job.ray_job_id! });
    const batch = await settle("failing-job-multi-extractor");
    expect(batch.status).toBe("COMPLETED");
    expect(tier(batch, 0).extractor_jobs!.filter((j) => j.status === "COMPLETED")).toHaveLength(2);
  });

  it("stays stuck when a healthy job is cancelled instead", async () => {
    const frames = tier(await get("failing-job-multi-extractor"), 0).extractor_jobs!.find((j) => j.extractor_type === "video_frame_extractor_v1")!;
    expect(frames.status).toBe("IN_PROGRESS");
    await api.cancelJob({ ...ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: frames.ray_job_id! });
    expect((await settle("failing-job-multi-extractor", 20)).status).toBe("IN_PROGRESS");
  });
});

describe("orphaned-tier", () => {
  it("is fixed by resubmitting from the lost tier, keeping tier 0", async () => {
    const before = await get("orphaned-tier");
    expect(before.status).toBe("FAILED");
    expect((await api.diagnoseBatch(ref("orphaned-tier"))).data.failure_category).toBe("orphaned");
    const tier0 = tier(before, 0);
    const { data } = await api.resubmitBatch(ref("orphaned-tier"), 1);
    expect(data.from_tier).toBe(1);
    const after = await settle("orphaned-tier");
    expect(after.status).toBe("COMPLETED");
    expect(tier(after, 0).completed_at).toBe(tier0.completed_at);
  });

  it("is not fixed by retrying documents: there are none", async () => {
    const { data } = await api.retryDocuments(ref("orphaned-tier"), { retry_mode: "all" });
    expect(data.retried_count).toBe(0);
    expect((await get("orphaned-tier")).status).toBe("FAILED");
  });
});

describe("healthy and running batches", () => {
  it("healthy-completed refuses cancel and retries", async () => {
    expect((await get("healthy-completed")).progress!.stage_history!.map((s) => s.name)).toEqual(["loading", "processing", "writing"]);
    await expect(api.cancelBatch(ref("healthy-completed"))).rejects.toMatchObject({ status: 400, errorType: "BadRequestError" });
    await expect(api.retryDocuments(ref("healthy-completed"), {})).rejects.toMatchObject({ status: 400 });
  });

  it("still-running completes on its own, and its task mirrors it", async () => {
    const batch = await settle("still-running");
    expect(batch.status).toBe("COMPLETED");
    expect((await api.getTask(batch.task_id!)).data.status).toBe("COMPLETED");
  });

  it("still-running can be cancelled, once", async () => {
    const { data } = await api.cancelBatch(ref("still-running"));
    expect(data).toMatchObject({ status: "CANCELED", task_type: "api_buckets_batches_process" });
    await expect(api.cancelBatch(ref("still-running"))).rejects.toMatchObject({ status: 400 });
  });
});

describe("massive-failures", () => {
  it("holds 100,000 failed documents across a few signatures, paged", async () => {
    const { data } = await api.listFailedDocuments(ref("massive-failures"), { limit: 50, offset: 99_990 });
    expect(data.total).toBe(100_000);
    expect(data.documents).toHaveLength(10);
    expect((await api.diagnoseBatch(ref("massive-failures"))).data.failed_document_count).toBe(100_000);
  });
});
