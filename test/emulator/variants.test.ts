// Each axis of a variant, shown on the wire in each of its readings. Reads go to one emulator
// per named variant (shared by the file); tests that change state start their own.
import { describe, expect, it } from "vitest";
import { VARIANTS, VARIANT_NAMES, describeSandbox, startEmulator, type Emulator, type EmulatorOptions, type Variant } from "../../src/emulator/index.js";
import { GIB, api, tier, useEmulator, type Api, type Json } from "./helpers.js";

const on = {} as Record<Variant["name"], Api>;
const emulators = {} as Record<Variant["name"], Emulator>;
for (const name of VARIANT_NAMES) useEmulator("file", (started, client) => { emulators[name] = started; on[name] = client; }, { variant: name });

/** A fresh emulator, for a test that changes state. */
async function fresh(variant: EmulatorOptions["variant"], run: (a: Api, emulator: Emulator) => Promise<void>): Promise<void> {
  const emulator = await startEmulator({ port: 0, variant });
  try {
    await run(api(emulator), emulator);
  } finally {
    await emulator.close();
  }
}

const failedDocs = (a: Api, scenario: Parameters<Api["ref"]>[0], query: Record<string, string | number> = {}) =>
  a.call("listFailedDocuments", a.ref(scenario), { query: { limit: 1000, ...query } });
const diagnose = (a: Api, scenario: Parameters<Api["ref"]>[0]) => a.call("diagnoseBatch", a.ref(scenario));
const ocrJob = (batch: Json): Json => tier(batch, 0).extractor_jobs.find((j: Json) => j.extractor_type === "ocr_extractor_v1");

describe("failed documents: list key and total", () => {
  it("documents + total | failed_documents + total_count | data and no total", async () => {
    const d = (await failedDocs(on.default, "transient-network")).body;
    const f = (await failedDocs(on.fastapi, "transient-network")).body;
    const s = (await failedDocs(on.sparse, "transient-network")).body;
    expect(Object.keys(d)).toEqual(["batch_id", "total", "limit", "offset", "documents"]);
    expect(Object.keys(f)).toEqual(["batch_id", "total_count", "limit", "offset", "failed_documents"]);
    expect(Object.keys(s)).toEqual(["batch_id", "limit", "offset", "data"]);
    expect([d.total, f.total_count]).toEqual([12, "12"]);
    const ids = (docs: Json[]) => docs.map((x) => x.document_id);
    expect(ids(d.documents)).toHaveLength(12);
    expect(ids(f.failed_documents)).toEqual(ids(d.documents));
    expect(ids(s.data)).toEqual(ids(d.documents));
    const r = (await failedDocs(on.reporting, "transient-network")).body;
    expect(Object.keys(r)).toEqual(["batch_id", "count", "limit", "offset", "items"]);
    expect([r.count, ids(r.items)]).toEqual(["12", ids(d.documents)]);
  });
});

describe("timestamps", () => {
  it("ISO with Z | naive (no zone, microseconds, meant as UTC) | +00:00, in every body and nested object", async () => {
    const stamps = async (a: Api) => {
      const batch = (await a.call("getBatch", a.ref("transient-network"))).body;
      const docs = (await failedDocs(a, "transient-network")).body;
      const doc = (docs.documents ?? docs.failed_documents ?? docs.data)[0];
      return [batch.created_at, tier(batch, 0).extractor_jobs[0].started_at, tier(batch, 0).errors[0].timestamp, doc.failed_at] as string[];
    };
    const [d, f, s] = [await stamps(on.default), await stamps(on.fastapi), await stamps(on.sparse)];
    for (const t of d) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    for (const t of f) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    for (const t of s) expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
    expect(f.map((t) => Date.parse(`${t}Z`))).toEqual(d.map((t) => Date.parse(t)));
    expect(s.map((t) => Date.parse(t))).toEqual(d.map((t) => Date.parse(t)));
    // Nothing in the fastapi diagnosis keeps the Z form; the Date header is HTTP's own format.
    const diagnosis = await diagnose(on.fastapi, "oom-gpu-tier");
    expect(diagnosis.text).not.toMatch(/\d\.\d{3}Z"/);
    expect(diagnosis.headers.get("date")).toMatch(/GMT$/);
  });
});

describe("error bodies", () => {
  const missing = { bucket: "sandbox-media", batch_id: "btch_missing" };

  it("fastapi: {detail: message} for 404, 401, 400 and an injected 503; {detail: [{loc, msg, type}]} for 422", async () => {
    const f = on.fastapi;
    expect(await f.call("getBatch", missing)).toMatchObject({ status: 404, body: { detail: "Batch 'btch_missing' not found" } });
    const unauthorized = await f.call("getBatch", f.ref("healthy-completed"), { headers: { authorization: "" } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toEqual({ detail: expect.stringMatching(/Missing or invalid API key/) });
    const refused = await f.call("cancelBatch", f.ref("healthy-completed"));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ detail: expect.stringMatching(/is COMPLETED/) });
    const invalid = await f.call("retryDocuments", f.ref("transient-network"), { body: { retry_mode: "sometimes" } });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual({ detail: [{ loc: ["body", "retry_mode"], msg: "Input should be 'transient_only' or 'all'", type: "enum" }] });
    emulators.fastapi.faults.inject("getBatch", { kind: "status", status: 503, retryAfterSeconds: 2 });
    const unavailable = await f.call("getBatch", f.ref("healthy-completed"));
    expect([unavailable.status, unavailable.headers.get("retry-after")]).toEqual([503, "2"]);
    expect(unavailable.body).toEqual({ detail: expect.stringMatching(/temporarily unavailable/) });
  });

  it("default and sparse: the Mixpeek envelope", async () => {
    for (const a of [on.default, on.sparse]) {
      expect((await a.call("getBatch", missing)).body).toEqual({
        success: false, status: 404, error: { type: "NotFoundError", message: "Batch 'btch_missing' not found", details: { resource: "batch", id: "btch_missing" } },
      });
      const invalid = await a.call("retryDocuments", a.ref("transient-network"), { body: { retry_mode: "sometimes" } });
      expect(invalid.body.error.details.validation_errors[0]).toMatchObject({ location: ["body", "retry_mode"], type: "enum" });
    }
  });
});

describe("stuck detection", () => {
  // sparse's own readings, but with today's write bodies and diagnose, to see what detection says.
  const reportsOnly: Variant = { ...VARIANTS.sparse, writeBodies: "full", statuses: "known", diagnoseRoute: "present" };
  const ref = (a: Api) => ({ ...a.ref("stuck-tier"), tier_num: 1 });

  it("reports-only: stuck with stale_seconds, tier and jobs left IN_PROGRESS; cancel then retry completes it", async () => {
    await fresh(reportsOnly, async (a) => {
      const before = await a.batch("stuck-tier");
      const diagnosis = (await diagnose(a, "stuck-tier")).body;
      expect(diagnosis.recommendations).toContain("Tier 1 shows no activity; run heal detect_stuck, then cancel the tier and retry it");
      const healed = (await a.call("healTier", ref(a), { body: { action: "detect_stuck" } })).body;
      expect(healed).toMatchObject({ stuck: true, tier_status: "IN_PROGRESS", affected_job_ids: [tier(before, 1).extractor_jobs[0].ray_job_id] });
      expect(healed.stale_seconds).toBeGreaterThan(24 * 60);
      expect(healed.message).toMatch(/cancel the tier, then retry it/);
      const after = await a.batch("stuck-tier");
      expect([after.status, tier(after, 1).status, tier(after, 1).extractor_jobs[0].status]).toEqual(["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS"]);
      // Detection alone is not a fix, and a running tier cannot be retried.
      expect((await a.call("healTier", ref(a), { body: { action: "detect_stuck" } })).body.stuck).toBe(true);
      expect((await a.call("retryTier", ref(a), { body: {} })).status).toBe(400);
      expect((await a.call("cancelTier", ref(a))).body).toMatchObject({ status: "CANCELED", canceled_job_ids: healed.affected_job_ids });
      expect((await a.call("retryTier", ref(a), { body: {} })).status).toBe(200);
      expect((await a.settle("stuck-tier")).body.status).toBe("COMPLETED");
    });
  });

  it("marks-failed (default): the diagnosis says retry after detection; detection fails the tier", async () => {
    await fresh("default", async (a) => {
      expect((await diagnose(a, "stuck-tier")).body.recommendations).toContain("Tier 1 shows no activity; run heal detect_stuck, then retry the tier");
      expect((await a.call("healTier", ref(a), { body: { action: "detect_stuck" } })).body.tier_status).toBe("FAILED");
    });
  });

  it("sparse as a whole: 204s all the way, the tier still RUNNING after detection, then canceled, retried, COMPLETED", async () => {
    await fresh("sparse", async (a) => {
      const healed = await a.call("healTier", ref(a), { body: { action: "detect_stuck" } });
      expect([healed.status, healed.text]).toEqual([204, ""]);
      expect(tier(await a.batch("stuck-tier"), 1).status).toBe("RUNNING");
      expect((await a.call("cancelTier", ref(a))).status).toBe(204);
      expect(tier(await a.batch("stuck-tier"), 1).status).toBe("CANCELED");
      expect((await a.call("retryTier", ref(a), { body: {} })).status).toBe(204);
      expect((await a.settle("stuck-tier")).body.status).toBe("COMPLETED");
    });
  });
});

describe("crash-looping job status", () => {
  it("default: IN_PROGRESS", async () => {
    expect(ocrJob(await on.default.batch("failing-job-multi-extractor")).status).toBe("IN_PROGRESS");
  });

  it("FAILED with its error and restart count while tier and batch run on; canceling it lets the batch complete", async () => {
    await fresh("fastapi", async (a) => {
      const batch = await a.batch("failing-job-multi-extractor");
      const ocr = ocrJob(batch);
      expect(ocr.status).toBe("FAILED");
      const restarts = Number(/\(restart (\d+)\)$/.exec(ocr.error)?.[1]);
      expect(restarts).toBeGreaterThan(30);
      expect(ocr.errors[0]).toMatchObject({ error_type: "RuntimeError", affected_count: restarts });
      expect([batch.status, tier(batch, 0).status]).toEqual(["IN_PROGRESS", "IN_PROGRESS"]);
      const recommendation = (await diagnose(a, "failing-job-multi-extractor")).body.recommendations.find((r: Json) => r.action === "cancel_job");
      expect(recommendation).toEqual({
        action: "cancel_job", tier_num: "0", ray_job_id: ocr.ray_job_id,
        message: `Job ${ocr.ray_job_id} (ocr_extractor_v1) in tier 0 keeps crashing; cancel the job and fix the extractor`,
      });
      // Still running inside: it waits, and is not refused as "not active".
      expect((await a.settle("failing-job-multi-extractor", 10)).body.status).toBe("IN_PROGRESS");
      const canceled = await a.call("cancelJob", { ...a.ref("failing-job-multi-extractor"), tier_num: 0, ray_job_id: ocr.ray_job_id });
      expect([canceled.status, canceled.body]).toEqual([200, {}]);
      const { body } = await a.settle("failing-job-multi-extractor");
      expect(body.status).toBe("COMPLETED");
      expect(ocrJob(body).status).toBe("CANCELED");
    });
  });

  it("sparse: FAILED too, in a tier sent as RUNNING", async () => {
    const batch = await on.sparse.batch("failing-job-multi-extractor");
    expect([ocrJob(batch).status, tier(batch, 0).status]).toEqual(["FAILED", "RUNNING"]);
  });
});

describe("write bodies of the guessed writes", () => {
  it("empty-object: 200 {} and the retry is applied", async () => {
    await fresh("fastapi", async (a) => {
      const retried = await a.call("retryDocuments", a.ref("transient-network"), { body: { retry_mode: "transient_only" } });
      expect([retried.status, retried.text]).toEqual([200, "{}"]);
      expect((await a.batch("transient-network")).status).toBe("PROCESSING");
      expect((await a.settle("transient-network")).body.status).toBe("COMPLETED");
    });
  });

  it("no-content: 204 with an empty body and the tier retry is applied; refusals and spec'd writes keep their bodies", async () => {
    await fresh("sparse", async (a) => {
      const retried = await a.call("retryTier", { ...a.ref("oom-gpu-tier"), tier_num: 1 }, { body: { memory_bytes: 16 * GIB } });
      expect([retried.status, retried.text, retried.headers.get("content-length")]).toEqual([204, "", "0"]);
      const batch = await a.batch("oom-gpu-tier");
      expect(tier(batch, 1)).toMatchObject({ status: "RUNNING", submission_params: { memory_bytes: 16 * GIB } });
      expect((await a.settle("oom-gpu-tier")).body.status).toBe("COMPLETED");
      const refused = await a.call("retryTier", { ...a.ref("healthy-completed"), tier_num: 0 }, { body: {} });
      expect(refused.status).toBe(400);
      expect(refused.body.error.type).toBe("BadRequestError");
      const canceled = await a.call("cancelBatch", a.ref("still-running"));
      expect(canceled).toMatchObject({ status: 200, body: { task_type: "api_buckets_batches_process", status: "CANCELED" } });
    });
  });

  it("full (default): today's body", async () => {
    await fresh("default", async (a) => {
      const retried = await a.call("resubmitBatch", a.ref("orphaned-tier"), { query: { from_tier: 1 } });
      expect(retried.body).toMatchObject({ from_tier: 1, submitted: true, status: "PENDING" });
    });
  });
});

describe("statuses", () => {
  it("unknown: IN_PROGRESS is sent as RUNNING and PENDING as QUEUED for batch, tiers, jobs and task; the list filter keeps the spec's names", async () => {
    await fresh("sparse", async (a, emulator) => {
      const batch = await a.batch("still-running");
      expect(batch.status).toBe("RUNNING");
      expect(batch.tier_tasks.map((t: Json) => [t.status, t.extractor_jobs[0].status])).toEqual([["RUNNING", "RUNNING"], ["QUEUED", "QUEUED"]]);
      expect((await a.call("getTask", { task_id: batch.task_id })).body.status).toBe("RUNNING");
      const listed = await a.call("listBatches", { bucket: "sandbox-media" }, { body: { status: "IN_PROGRESS" } });
      expect(listed.body.results.map((b: Json) => b.batch_id)).toContain(emulator.sandbox.batches["still-running"]);
      expect(listed.text).not.toMatch(/"(IN_PROGRESS|PENDING)"/);
      expect((await a.settle("still-running")).body.status).toBe("COMPLETED");
    });
  });

  it("known: IN_PROGRESS and PENDING", async () => {
    await fresh("fastapi", async (a) => {
      const batch = await a.batch("still-running");
      expect([batch.status, ...batch.tier_tasks.map((t: Json) => t.status)]).toEqual(["IN_PROGRESS", "IN_PROGRESS", "PENDING"]);
    });
  });
});

describe("numbers", () => {
  it("strings in the guessed reads' bodies (diagnose, failed documents); spec'd bodies keep numbers", async () => {
    const diagnosis = (await diagnose(on.fastapi, "transient-network")).body;
    expect(diagnosis.failed_document_count).toBe("12");
    expect(diagnosis.per_tier["0"]).toMatchObject({ duration_ms: "30000", submission_params: { memory_bytes: "4294967296", num_cpus: "2", requires_gpu: false } });
    expect(diagnosis.failed_documents_sample[0]).toMatchObject({ tier_num: "0", retry_count: "0" });
    const docs = (await failedDocs(on.fastapi, "transient-network", { limit: 5 })).body;
    expect(docs).toMatchObject({ total_count: "12", limit: "5", offset: "0" });
    const batch = await on.fastapi.batch("transient-network");
    expect([batch.total_tiers, tier(batch, 0).submission_params.memory_bytes]).toEqual([2, 4 * GIB]);
    expect((await diagnose(on.default, "transient-network")).body.failed_document_count).toBe(12);
  });

  it("strings in a guessed write's full body", async () => {
    await fresh({ ...VARIANTS.default, numbers: "strings" }, async (a) => {
      const retried = await a.call("retryTier", { ...a.ref("oom-gpu-tier"), tier_num: 1 }, { body: { memory_bytes: 16 * GIB } });
      expect(retried.body).toMatchObject({ tier_num: "1", submission_params: { memory_bytes: "17179869184", priority: "100" } });
    });
  });
});

describe("error types of failed documents", () => {
  it("exception: Python class names by cause, in failed documents, the diagnose sample and tier/job errors; error_summary keys stay categories", async () => {
    const f = on.fastapi;
    const byMessage = (docs: Json[]) => new Map(docs.map((d) => [d.error_message.split(" ")[0], d.error_type]));
    expect(byMessage((await failedDocs(f, "mixed-failures")).body.failed_documents)).toEqual(new Map([
      ["Read", "ReadTimeout"], ["Connection", "ConnectionResetError"], ["503", "HTTPStatusError"], ["Missing", "ValueError"],
    ]));
    const bad = (await failedDocs(f, "permanent-bad-input")).body.failed_documents as Json[];
    expect(new Set(bad.map((d) => d.error_type))).toEqual(new Set(["ValueError", "FileNotFoundError"]));
    expect((await failedDocs(f, "oom-gpu-tier", { limit: 1 })).body.failed_documents[0].error_type).toBe("OutOfMemoryError");
    expect((await diagnose(f, "oom-gpu-tier")).body.failed_documents_sample[0].error_type).toBe("OutOfMemoryError");
    const batch = await f.batch("mixed-failures");
    expect(new Set(tier(batch, 0).errors.map((e: Json) => e.error_type))).toEqual(new Set(["ReadTimeout", "ConnectionResetError", "HTTPStatusError", "ValueError"]));
    expect(tier(batch, 0).extractor_jobs[0].errors.map((e: Json) => e.error_type)).toContain("HTTPStatusError");
    expect(batch.error_summary).toEqual({ network: 6, validation: 4 });
  });

  it("category (default): the ErrorCategory", async () => {
    const docs = (await failedDocs(on.default, "mixed-failures")).body.documents as Json[];
    expect(new Set(docs.map((d) => d.error_type))).toEqual(new Set(["network", "validation"]));
  });
});

describe("failure field", () => {
  it("error | failure_reason with error null, in get and list", async () => {
    const d = await on.default.batch("oom-gpu-tier");
    expect(d.error).toMatch(/^Tier 1 failed: OOMKilled/);
    expect("failure_reason" in d).toBe(false);
    const f = await on.fastapi.batch("oom-gpu-tier");
    expect([f.error, f.failure_reason]).toEqual([null, d.error]);
    const listed = (await on.fastapi.call("listBatches", { bucket: "sandbox-media" }, { body: { status: "FAILED" } })).body.results as Json[];
    expect(listed.find((b) => b.batch_id === f.batch_id)).toMatchObject({ error: null, failure_reason: d.error });
    expect((await on.fastapi.batch("healthy-completed")).failure_reason).toBeNull();
  });
});

describe("logs", () => {
  it("per job under tiers | text per tier under logs | one JSON string", async () => {
    const d = (await on.default.call("getBatchLogs", on.default.ref("oom-gpu-tier"))).body;
    expect(d.tiers.map((t: Json) => t.tier_num)).toEqual([0, 1]);
    const f = await on.fastapi.call("getBatchLogs", on.fastapi.ref("oom-gpu-tier"));
    expect(f.body).toEqual({ batch_id: d.batch_id, logs: { 0: d.tiers[0].logs, 1: d.tiers[1].logs } });
    expect(f.body.logs["1"]).toMatch(/OutOfMemoryError/);
    const one = (await on.fastapi.call("getBatchLogs", on.fastapi.ref("oom-gpu-tier"), { query: { tier_num: 1 } })).body;
    expect(Object.keys(one.logs)).toEqual(["1"]);
    const s = await on.sparse.call("getBatchLogs", on.sparse.ref("oom-gpu-tier"));
    expect(s.text.startsWith('"')).toBe(true);
    expect(s.body).toBe(`${d.tiers[0].logs}\n${d.tiers[1].logs}`);
  });

  it("by-tier joins the texts of a tier's jobs", async () => {
    const d = (await on.default.call("getBatchLogs", on.default.ref("failing-job-multi-extractor"))).body;
    const f = (await on.fastapi.call("getBatchLogs", on.fastapi.ref("failing-job-multi-extractor"))).body;
    expect(d.tiers).toHaveLength(3);
    for (const job of d.tiers as Json[]) expect(f.logs["0"]).toContain(`Runtime env is setting up for ${job.ray_job_id}`);
    expect(f.logs["0"]).toMatch(/Traceback[\s\S]*ValueError: could not decode page image/);
  });
});

describe("diagnose shapes", () => {
  it("per_tier: a list with tier_num | a map keyed by tier number without it", async () => {
    const d = (await diagnose(on.default, "oom-gpu-tier")).body;
    expect(d.per_tier.map((t: Json) => [t.tier_num, t.status])).toEqual([[0, "COMPLETED"], [1, "FAILED"]]);
    const f = (await diagnose(on.fastapi, "oom-gpu-tier")).body;
    expect(Object.keys(f.per_tier)).toEqual(["0", "1"]);
    expect(f.per_tier["1"].status).toBe("FAILED");
    expect("tier_num" in f.per_tier["1"]).toBe(false);
  });

  it("recommendations: strings | objects naming a machine action", async () => {
    expect((await diagnose(on.default, "oom-gpu-tier")).body.recommendations).toEqual(["Retry tier 1 with more memory (currently 8 GiB)"]);
    expect((await diagnose(on.fastapi, "oom-gpu-tier")).body.recommendations).toEqual([
      { action: "retry_tier", message: "Retry tier 1 with more memory (currently 8 GiB)", tier_num: "1" },
    ]);
    const actions = async (scenario: Parameters<Api["ref"]>[0]) => (await diagnose(on.fastapi, scenario)).body.recommendations.map((r: Json) => r.action);
    expect(await actions("stuck-tier")).toEqual(["detect_stuck"]);
    expect(await actions("duplicate-jobs")).toEqual(["kill_duplicates"]);
    expect(await actions("orphaned-tier")).toEqual(["resubmit"]);
    expect(await actions("orphaned-running")).toEqual(["cancel_tier"]);
    expect(await actions("mixed-failures")).toEqual(["retry_transient", "fix_input"]);
    const orphan = (await diagnose(on.fastapi, "orphaned-running")).body.recommendations[0];
    expect(orphan).toMatchObject({ tier_num: "1", ray_job_id: expect.stringMatching(/^raysubmit_/) });
  });

  it("absent: GET …/diagnose is an unknown route, 404 in the variant's error body", async () => {
    const s = await diagnose(on.sparse, "oom-gpu-tier");
    expect(s.status).toBe(404);
    expect(s.body.error).toMatchObject({ type: "NotFoundError", message: expect.stringMatching(/^Route not found: GET /), details: { resource: "route" } });
    expect(emulators.sparse.requests.at(-1)).toMatchObject({ operation: "diagnoseBatch", status: 404 });
    await fresh({ ...VARIANTS.fastapi, diagnoseRoute: "absent" }, async (a) => {
      expect(await diagnose(a, "oom-gpu-tier")).toMatchObject({ status: 404, body: { detail: expect.stringMatching(/^Route not found/) } });
    });
    expect((await diagnose(on.fastapi, "oom-gpu-tier")).status).toBe(200);
  });
});

describe("choosing a variant", () => {
  it("the sandbox description and GET /_emulator/sandbox name it; an unknown name is refused", async () => {
    for (const name of VARIANT_NAMES) {
      const sandbox = await (await fetch(`${emulators[name].url}/_emulator/sandbox`)).json() as Json;
      expect(sandbox.variant).toBe(name);
      expect(describeSandbox(emulators[name])).toContain(`variant: ${name}`);
    }
    await expect(startEmulator({ port: 0, variant: "nope" as Variant["name"] })).rejects.toThrow(/Known: default, fastapi, sparse/);
  });

  it("the named variants bundle the readings the design names", () => {
    expect(VARIANTS.default).toMatchObject({ errors: "envelope", writeBodies: "full", statuses: "known", diagnoseRoute: "present" });
    expect(VARIANTS.fastapi).toMatchObject({ failedDocsKey: "failed_documents", totalKey: "total_count", timestamps: "naive", crashloopStatus: "FAILED" });
    expect(VARIANTS.sparse).toMatchObject({ failedDocsKey: "data", totalKey: null, timestamps: "offset", detection: "reports-only", logs: "text" });
  });
});
