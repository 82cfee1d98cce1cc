// Tolerant readers (src/api/tolerant.ts) and the wire schemas built on them (src/api/wire.ts):
// every form an answer is accepted in reads into the one internal form, what cannot be read is
// refused or kept as sent (never silently changed), and the form seen is recorded for the debug log.
import { describe, expect, it } from "vitest";
import { traceRequests } from "../../src/api/trace.js";
import { bool, findList, int, isRecord, num, requiredInt, status, timestamp, toTimestamp, withAliases } from "../../src/api/tolerant.js";
import { OPERATIONS, isRead, type Operation } from "../../src/api/operations.js";
import * as wire from "../../src/api/wire.js";

/** What `read` returns and the answer shapes it recorded. */
async function traced<T>(read: () => T): Promise<{ result: T; shapes: string[] }> {
  const { result, shapes } = await traceRequests(async () => read());
  return { result, shapes: [...shapes] };
}

describe("numbers", () => {
  it("reads numbers sent as decimal strings, and says so", async () => {
    expect(await traced(() => num.parse("37"))).toEqual({ result: 37, shapes: ["numbers sent as strings"] });
    expect(await traced(() => num.parse(37))).toEqual({ result: 37, shapes: [] });
    for (const [text, value] of [[" -3.5 ", -3.5], ["1e3", 1000], ["2.5E-1", 0.25], ["0", 0], ["-12", -12], ["7e+2", 700], ["3.25", 3.25], ["1e10", 1e10], ["1.125e-12", 1.125e-12]] as const) {
      expect(num.parse(text), text).toBe(value);
    }
  });

  it("leaves anything else for the schema to refuse", async () => {
    for (const text of ["abc", "", " ", "1,000", "0x10", "1.", ".5", "12abc", "1e", "--1"]) {
      expect(num.safeParse(text).success, JSON.stringify(text)).toBe(false);
    }
    expect(await traced(() => num.safeParse("abc"))).toMatchObject({ shapes: [] });
    expect(num.parse(null)).toBeNull();
    expect(num.parse(undefined)).toBeUndefined();
  });

  it("int refuses fractions; requiredInt refuses nothing at all", () => {
    expect(int.parse("4")).toBe(4);
    expect(int.safeParse("4.5").success).toBe(false);
    expect(int.parse(null)).toBeNull();
    expect(requiredInt.parse("2")).toBe(2);
    expect(requiredInt.safeParse(null).success).toBe(false);
    expect(requiredInt.safeParse(undefined).success).toBe(false);
  });
});

describe("timestamps", () => {
  it("passes the canonical form through without noting anything", async () => {
    expect(await traced(() => toTimestamp("2026-11-23T09:00:00.123Z"))).toEqual({ result: "2026-11-23T09:00:00.123Z", shapes: [] });
  });

  it("reads a zone-less time as UTC, and says so", async () => {
    expect(await traced(() => toTimestamp("2026-11-23T09:00:00"))).toEqual({
      result: "2026-11-23T09:00:00.000Z", shapes: ["timestamps without a zone (read as UTC)"],
    });
    expect(toTimestamp("2026-11-23 09:00:00.5")).toBe("2026-11-23T09:00:00.500Z");
    expect(toTimestamp("2026-11-23T09:00")).toBe("2026-11-23T09:00:00.000Z");
    expect(toTimestamp("2026-11-23")).toBe("2026-11-23T00:00:00.000Z");
    expect(toTimestamp(" 2026-11-23T09:00:00 ")).toBe("2026-11-23T09:00:00.000Z");
  });

  it("cuts Python's microseconds to milliseconds", () => {
    expect(toTimestamp("2026-11-23T09:00:00.123456")).toBe("2026-11-23T09:00:00.123Z");
    expect(toTimestamp("2026-11-23T09:00:00.999999+00:00")).toBe("2026-11-23T09:00:00.999Z");
  });

  it("converts zoned times to UTC without noting them", async () => {
    expect(await traced(() => toTimestamp("2026-11-23T09:00:00+02:00"))).toEqual({ result: "2026-11-23T07:00:00.000Z", shapes: [] });
    expect(toTimestamp("2026-11-23T09:00:00-0130")).toBe("2026-11-23T10:30:00.000Z");
    expect(toTimestamp("2026-11-23T09:00:00Z")).toBe("2026-11-23T09:00:00.000Z");
    expect(toTimestamp("2026-11-23T09:00:00z")).toBe("2026-11-23T09:00:00.000Z");
  });

  it("reads epoch numbers as seconds, or milliseconds when that large", async () => {
    expect(await traced(() => toTimestamp(1_700_000_000))).toEqual({
      result: "2023-11-14T22:13:20.000Z", shapes: ["timestamps as epoch numbers"],
    });
    expect(toTimestamp(1_700_000_000_123)).toBe("2023-11-14T22:13:20.123Z");
    expect(toTimestamp("1700000000")).toBe("2023-11-14T22:13:20.000Z");
    expect(toTimestamp(99_999_999_999)).toBe(new Date(99_999_999_999 * 1000).toISOString());
    expect(toTimestamp(100_000_000_000)).toBe(new Date(100_000_000_000).toISOString());
    expect(toTimestamp(0)).toBe("1970-01-01T00:00:00.000Z");
  });

  it("keeps text it cannot read as sent", async () => {
    // Date.parse reads some of these ("on 2026-11-23" among them): only text that starts like an
    // ISO date is read as one.
    for (const text of ["yesterday", "Mon, 23 Nov 2026 09:00:00 GMT", "2026-13-45T00:00:00", "23/11/2026", "", "on 2026-11-23", "2026-11-2"]) {
      expect(toTimestamp(text), text).toBe(text);
    }
    expect(await traced(() => toTimestamp("yesterday"))).toMatchObject({ shapes: [] });
    expect(toTimestamp(null)).toBeNull();
    expect(toTimestamp(undefined)).toBeUndefined();
    expect(toTimestamp(true)).toBe(true);
  });

  it("the schema accepts every form and refuses what is not text", () => {
    expect(timestamp.parse("2026-11-23T09:00:00")).toBe("2026-11-23T09:00:00.000Z");
    expect(timestamp.parse(1_700_000_000)).toBe("2023-11-14T22:13:20.000Z");
    expect(timestamp.parse("whenever")).toBe("whenever");
    expect(timestamp.parse(null)).toBeNull();
    expect(timestamp.safeParse({}).success).toBe(false);
  });
});

describe("statuses", () => {
  it("reads other spellings into the spec's, and says so", async () => {
    expect(await traced(() => status.parse("in_progress"))).toEqual({ result: "IN_PROGRESS", shapes: ["statuses in another spelling"] });
    expect(status.parse("In Progress")).toBe("IN_PROGRESS");
    expect(status.parse(" completed-with-errors ")).toBe("COMPLETED_WITH_ERRORS");
    expect(status.parse("cancelled")).toBe("CANCELED");
    expect(status.parse("Cancelled")).toBe("CANCELED");
    // Already upper case, still the British spelling: read as CANCELED, never as an unknown status.
    expect(await traced(() => status.parse("CANCELLED"))).toEqual({ result: "CANCELED", shapes: ["statuses in another spelling"] });
    expect(await traced(() => status.parse("FAILED"))).toEqual({ result: "FAILED", shapes: [] });
    expect(status.parse("canceled")).toBe("CANCELED");
    expect(status.parse("in  progress")).toBe("IN_PROGRESS");
    expect(status.parse("in - progress")).toBe("IN_PROGRESS");
    expect(status.parse("failed_BY_USER")).toBe("FAILED_BY_USER");
  });

  it("passes the spec's spelling through, and keeps unknown statuses", async () => {
    expect(await traced(() => status.parse("FAILED"))).toEqual({ result: "FAILED", shapes: [] });
    expect(status.parse("RUNNING")).toBe("RUNNING");
    expect(status.parse("queued")).toBe("QUEUED");
    // Not in the fast path (a digit), yet already in the spec's spelling: nothing to note.
    expect(await traced(() => status.parse("V2"))).toEqual({ result: "V2", shapes: [] });
    expect(status.safeParse(3).success).toBe(false);
    expect(wire.Batch.parse({ batch_id: "b", status: null }).status).toBeNull();
  });
});

describe("booleans", () => {
  it("reads \"true\" and \"false\", and nothing else that is not a boolean", () => {
    expect(bool.parse("true")).toBe(true);
    expect(bool.parse("false")).toBe(false);
    expect(bool.parse(false)).toBe(false);
    expect(bool.parse(null)).toBeNull();
    for (const value of ["yes", "True", 1, "1"]) expect(bool.safeParse(value).success, String(value)).toBe(false);
  });
});

describe("aliases", () => {
  const read = withAliases({ error_type: ["type", "category"], message: ["msg"] });

  it("copies the first present alias into a missing or null key, and says which", async () => {
    expect(await traced(() => read({ category: "network", type: "runtime", msg: "x" }))).toEqual({
      result: { category: "network", type: "runtime", msg: "x", error_type: "runtime", message: "x" },
      shapes: ["error_type sent as type", "message sent as msg"],
    });
    expect(read({ error_type: null, type: null, category: "network" })).toEqual({ error_type: "network", type: null, category: "network" });
  });

  it("keeps a key that is present, and leaves other values alone", async () => {
    expect(await traced(() => read({ error_type: "validation", type: "runtime" }))).toEqual({
      result: { error_type: "validation", type: "runtime" }, shapes: [],
    });
    expect(read({ other: 1 })).toEqual({ other: 1 });
    expect(read(["type"])).toEqual(["type"]);
    expect(read("text")).toBe("text");
    expect(read(null)).toBeNull();
  });
});

describe("findList", () => {
  const KEYS = ["results", "batches"] as const;
  const TOTALS = ["total_count", "total"] as const;

  it("reads a bare list", async () => {
    expect(await traced(() => findList([1, 2], "items", KEYS, TOTALS))).toEqual({ result: { items: [1, 2], total: null }, shapes: ["a bare list"] });
  });

  it("reads the expected keys without noting anything", async () => {
    expect(await traced(() => findList({ results: [1], total_count: 5, extra: true }, "items", KEYS, TOTALS))).toEqual({
      result: { results: [1], total_count: 5, extra: true, items: [1], total: 5 }, shapes: [],
    });
  });

  it("reads other keys and says which", async () => {
    expect(await traced(() => findList({ batches: [1], total: 0 }, "items", KEYS, TOTALS))).toEqual({
      result: { batches: [1], items: [1], total: 0 },
      shapes: ['list under "batches" (expected "results")', 'total under "total" (expected "total_count")'],
    });
    expect(await traced(() => findList({ items: [2], pagination: { total: 9 } }, "items", KEYS, TOTALS))).toEqual({
      result: { items: [2], pagination: { total: 9 }, total: 9 },
      shapes: ['list under "items" (expected "results")', "no total"],
    });
  });

  it("prefers the internal key, then the keys in order; a null total is no total", () => {
    expect(findList({ items: [0], results: [1] }, "items", KEYS, TOTALS)).toMatchObject({ items: [0] });
    expect(findList({ batches: [2], results: [1], total_count: null, total: 3 }, "items", KEYS, TOTALS)).toMatchObject({ items: [1], total: 3 });
    expect(findList({ results: "not a list", batches: [2] }, "items", KEYS, TOTALS)).toMatchObject({ items: [2], total: null });
    expect(findList({ results: [], pagination: "x" }, "items", KEYS, TOTALS)).toMatchObject({ total: null });
  });

  it("says what came instead when there is no list", () => {
    const keys = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, i]));
    const found = findList(keys, "items", KEYS, TOTALS) as Record<string, unknown>;
    expect(found["items"]).toBeNull();
    expect(found["received_keys"]).toEqual(Object.keys(keys).slice(0, 20));
    expect(findList({ things: [] }, "items", KEYS, TOTALS)).toEqual({ things: [], items: null, total: null, received_keys: ["things"] });
    expect(findList("text", "items", KEYS, TOTALS)).toBe("text");
    expect(findList(null, "items", KEYS, TOTALS)).toBeNull();
  });

  it("isRecord accepts plain objects only", () => {
    expect(isRecord({})).toBe(true);
    for (const value of [null, [], "x", 1, undefined]) expect(isRecord(value), String(value)).toBe(false);
  });
});

describe("wire schemas", () => {
  it("Batch: id alias, string numbers, loose extra fields, nested tiers and jobs with their aliases", () => {
    const batch = wire.Batch.parse({
      id: "btch_1", status: "completed_with_errors", total_tiers: "2", created_at: "2026-11-23 09:00:00", surprise: { kept: true },
      error_summary: { network: "3", validation: null },
      tier_tasks: [{
        tier_num: "0", status: "in progress", last_activity_at: 1_700_000_000,
        errors: [{ type: "network", msg: "Read timed out", affected_count: "4" }],
        extractor_jobs: [{ extractor_name: "frames", job_id: "raysubmit_A", restart_count: "2", status: "Running" }],
        submission_params: { memory_bytes: "8589934592", requires_gpu: "true", num_cpus: 4 },
      }],
      progress: { stage_history: [{ name: "embed", duration_seconds: "12.5" }] },
    });
    expect(batch).toMatchObject({
      batch_id: "btch_1", status: "COMPLETED_WITH_ERRORS", total_tiers: 2, created_at: "2026-11-23T09:00:00.000Z", surprise: { kept: true },
      error_summary: { network: 3, validation: null },
      progress: { stage_history: [{ name: "embed", duration_seconds: 12.5 }] },
    });
    expect(batch.tier_tasks![0]).toMatchObject({
      tier_num: 0, status: "IN_PROGRESS", last_activity_at: "2023-11-14T22:13:20.000Z",
      errors: [{ error_type: "network", message: "Read timed out", affected_count: 4 }],
      extractor_jobs: [{ extractor_type: "frames", ray_job_id: "raysubmit_A", restarts: 2, status: "RUNNING" }],
      submission_params: { memory_bytes: 8589934592, requires_gpu: true, num_cpus: 4 },
    });
    expect(wire.Batch.safeParse({ status: "FAILED" }).success).toBe(false);
    expect(wire.Batch.safeParse({ batch_id: "b", tier_tasks: [{ status: "FAILED" }] }).success).toBe(false);
  });

  it("BatchErrorDetail reads every alias of its type and message", () => {
    for (const [key, value] of [["type", "a"], ["category", "b"], ["error_category", "c"]]) {
      expect(wire.BatchErrorDetail.parse({ [key!]: value }).error_type).toBe(value);
    }
    for (const [key, value] of [["error_message", "a"], ["msg", "b"], ["error", "c"]]) {
      expect(wire.BatchErrorDetail.parse({ [key!]: value }).message).toBe(value);
    }
  });

  it("ListBatchesResponse: the spec's form, other keys, a bare list, and no list", () => {
    expect(wire.ListBatchesResponse.parse({ results: [{ batch_id: "a" }], total_count: 1 })).toMatchObject({ items: [{ batch_id: "a" }], total: 1 });
    expect(wire.ListBatchesResponse.parse({ batches: [{ id: "a" }], count: "3" })).toMatchObject({ items: [{ batch_id: "a" }], total: 3 });
    expect(wire.ListBatchesResponse.parse({ data: [], total: 0 })).toMatchObject({ items: [], total: 0 });
    expect(wire.ListBatchesResponse.parse([{ batch_id: "a" }])).toMatchObject({ items: [{ batch_id: "a" }], total: null });
    expect(wire.ListBatchesResponse.parse({ nope: 1 })).toMatchObject({ items: null, total: null, received_keys: ["nope"] });
  });

  it("FailedDocument and FailedDocumentsResponse read every alias and list form", () => {
    expect(wire.FailedDocument.parse({ id: "doc_1", category: "network", detail: "Timed out", retries: "2", tier: "1", failed_at: "2026-11-23T09:00:00" })).toMatchObject({
      document_id: "doc_1", error_type: "network", error_message: "Timed out", retry_count: 2, tier_num: 1, failed_at: "2026-11-23T09:00:00.000Z",
    });
    for (const [key, alias] of [["document_id", "doc_id"], ["error_type", "error_category"], ["error_type", "type"], ["error_type", "error_class"],
      ["error_message", "message"], ["error_message", "error"], ["error_message", "reason"], ["retry_count", "attempts"]] as const) {
      const value = key === "retry_count" ? 1 : "v";
      expect(wire.FailedDocument.parse({ [alias]: value })[key], alias).toBe(value);
    }
    for (const key of ["documents", "failed_documents", "results", "data", "items"]) {
      expect(wire.FailedDocumentsResponse.parse({ [key]: [{ id: "d" }], total_count: 7 }), key).toMatchObject({ items: [{ document_id: "d" }], total: 7 });
    }
    expect(wire.FailedDocumentsResponse.parse([{ id: "d" }])).toMatchObject({ items: [{ document_id: "d" }], total: null });
    expect(wire.FailedDocumentsResponse.parse({ things: [] })).toMatchObject({ items: null, received_keys: ["things"] });
  });

  it("LogsResponse: one text, per tier and job, a map of tier to text, lines", () => {
    expect(wire.LogsResponse.parse("all the logs")).toEqual({ entries: [{ tier_num: null, logs: "all the logs" }] });
    expect(wire.LogsResponse.parse({ tiers: [{ tier_num: "1", ray_job_id: "raysubmit_A", text: "boom" }] })).toMatchObject({
      entries: [{ tier_num: 1, ray_job_id: "raysubmit_A", logs: "boom" }],
    });
    expect(wire.LogsResponse.parse({ jobs: [{ log: "a" }, "plain", ["l1", "l2"]] })).toMatchObject({
      entries: [{ logs: "a" }, { logs: "plain" }, { logs: "l1\nl2" }],
    });
    expect(wire.LogsResponse.parse({ entries: [{ lines: "x" }] })).toMatchObject({ entries: [{ logs: "x" }] });
    expect(wire.LogsResponse.parse({ logs: { "0": "zero", "1": ["a", "b"], "2": { text: "two", status: "failed" } } })).toMatchObject({
      entries: [{ tier_num: 0, logs: "zero" }, { tier_num: 1, logs: "a\nb" }, { tier_num: 2, logs: "two", status: "FAILED" }],
    });
    expect(wire.LogsResponse.parse({ tiers: { "3": "three" } })).toMatchObject({ entries: [{ tier_num: 3, logs: "three" }] });
    expect(wire.LogsResponse.parse({ logs: "text", tier_num: 2 })).toMatchObject({ entries: [{ tier_num: 2, logs: "text" }] });
    expect(wire.LogsResponse.parse({ logs: "text" })).toMatchObject({ entries: [{ tier_num: null, logs: "text" }] });
    expect(wire.LogsResponse.parse({ something: "else" })).toEqual({ entries: null });
    expect(wire.LogsResponse.safeParse(42).success).toBe(false);
  });

  it("Diagnosis: per_tier as a list or a map, events and sample under their aliases, recommendations as text or objects", () => {
    const d = wire.Diagnosis.parse({
      status: "failed", failed_count: "12",
      events: [{ event_type: "OOM", tier_num: "1", time: "2026-11-23T09:00:00" }, { kind: "node_lost", at: 1_700_000_000 }],
      tiers: { "1": { last_activity_at: "2026-11-23T09:00:00" }, "2": null },
      sample_failed_documents: [{ id: "d1" }],
      recommendations: ["Retry tier 1", { message: "Kill duplicates", type: "kill_duplicates", tier_num: "0" }, { description: "d" }, { title: "t" }, { detail: "x", kind: "k" }],
    });
    expect(d).toMatchObject({
      status: "FAILED", failed_document_count: 12,
      infrastructure_events: [{ type: "OOM", tier_num: 1, timestamp: "2026-11-23T09:00:00.000Z" }, { type: "node_lost", timestamp: "2023-11-14T22:13:20.000Z" }],
      per_tier: [{ tier_num: 1, last_activity_at: "2026-11-23T09:00:00.000Z" }, { tier_num: 2 }],
      failed_documents_sample: [{ document_id: "d1" }],
      recommendations: [{ text: "Retry tier 1" }, { text: "Kill duplicates", action: "kill_duplicates", tier_num: 0 }, { text: "d" }, { text: "t" }, { text: "x", action: "k" }],
    });
    expect(wire.Diagnosis.parse({ per_tier: [{ tier_num: 0 }], failed_documents_count: 1, failed_documents: [{ doc_id: "x" }] })).toMatchObject({
      per_tier: [{ tier_num: 0 }], failed_document_count: 1, failed_documents_sample: [{ document_id: "x" }],
    });
  });

  it("write answers read their aliases, and an empty body is a valid answer", () => {
    expect(OPERATIONS.healTier.answer.parse({ is_stuck: "true", idle_seconds: "900", killed_jobs: ["a"], status: "canceled" })).toMatchObject({
      stuck: true, stale_seconds: 900, killed_job_ids: ["a"], tier_status: "CANCELED",
    });
    expect(OPERATIONS.healTier.answer.parse({ stuck_detected: false, stuck_seconds: 1, killed: ["b"] })).toMatchObject({ stuck: false, stale_seconds: 1, killed_job_ids: ["b"] });
    for (const key of ["cancelled_job_ids", "canceled_jobs", "cancelled_jobs"]) {
      expect(OPERATIONS.cancelTier.answer.parse({ [key]: ["r"] }).canceled_job_ids, key).toEqual(["r"]);
    }
    expect(OPERATIONS.retryDocuments.answer.parse({ retried: "5" }).retried_count).toBe(5);
    expect(OPERATIONS.retryDocuments.answer.parse({ documents_retried: 6 }).retried_count).toBe(6);
    expect(wire.Task.parse({ error_message: "boom", status: "Completed" })).toMatchObject({ error: "boom", status: "COMPLETED" });
    const writes = (Object.keys(OPERATIONS) as Operation[]).filter((operation) => !isRead(operation));
    expect(writes.length).toBeGreaterThan(5);
    for (const operation of writes) expect(OPERATIONS[operation].answer.safeParse({}).success, operation).toBe(true);
  });
});
