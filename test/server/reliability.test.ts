// Reliability under faults and repetition, through the real SDK client against the emulator.
// Each fault row asserts the tool result, the number of requests the emulator saw, that the
// server answers the next call, and that the key appears nowhere.
// Each test gets its own emulator and server: no test sees another's faults, requests,
// dedupe window, audit file or batch states.
import { existsSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Fault } from "../../src/emulator/index.js";
import { requestsFor, startHarness, type Harness } from "../harness.js";

const KEY = "sk_live_DISTINCTIVE_7f3c9a1e5b";
let h: Harness;
beforeEach(async () => { h = await startHarness({ apiKey: KEY, config: { timeoutMs: 300 } }); });
afterEach(() => h.close());

const auditText = (harness: Harness) => (existsSync(harness.auditPath) ? readFileSync(harness.auditPath, "utf8") : "");
const text = (r: { content?: unknown }) => (r.content as { text: string }[]).map((c) => c.text).join("\n");
const read = () => ({ bucket: h.bucket, batch_id: h.batches["healthy-completed"] });

interface Row { name: string; operation: "getBatch" | "retryDocuments"; fault: Fault; count: number; expectError: RegExp | null; requests: number }
const ROWS: Row[] = [
  { name: "two 503s then success on a read", operation: "getBatch", fault: { kind: "status", status: 503 }, count: 2, expectError: null, requests: 3 },
  { name: "429 with Retry-After: 1", operation: "getBatch", fault: { kind: "status", status: 429, retryAfterSeconds: 1 }, count: 1, expectError: null, requests: 2 },
  { name: "429 beyond the retry budget", operation: "getBatch", fault: { kind: "status", status: 429, retryAfterSeconds: 0 }, count: 9, expectError: /HTTP 429.*\n.*Rate limited: wait 0 s/, requests: 4 },
  { name: "headers slower than the timeout", operation: "getBatch", fault: { kind: "slow-headers", delayMs: 600 }, count: 9, expectError: /Timed out after 300 ms/, requests: 4 },
  { name: "body stalls mid-way", operation: "getBatch", fault: { kind: "stall-body", delayMs: 600 }, count: 9, expectError: /Timed out after 300 ms waiting for the response body/, requests: 4 },
  { name: "malformed JSON", operation: "getBatch", fault: { kind: "malformed-json" }, count: 1, expectError: /not JSON/, requests: 1 },
  { name: "an HTML 502 page", operation: "getBatch", fault: { kind: "html", status: 502 }, count: 9, expectError: /HTTP 502.*text\/html/, requests: 4 },
  { name: "an empty body", operation: "getBatch", fault: { kind: "empty" }, count: 1, expectError: /empty body/, requests: 1 },
  { name: "connection reset on a read (retried)", operation: "getBatch", fault: { kind: "drop" }, count: 1, expectError: null, requests: 2 },
  { name: "connection reset on a POST (not retried)", operation: "retryDocuments", fault: { kind: "drop-after-apply" }, count: 1, expectError: /Outcome unknown[\s\S]*get_batch/, requests: 1 },
  { name: "401", operation: "getBatch", fault: { kind: "status", status: 401 }, count: 1, expectError: /HTTP 401[\s\S]*MIXPEEK_API_KEY/, requests: 1 },
  { name: "403", operation: "getBatch", fault: { kind: "status", status: 403 }, count: 1, expectError: /HTTP 403[\s\S]*permission/, requests: 1 },
];

describe("fault matrix", () => {
  it.each(ROWS)("$name", async (row) => {
    h.emulator.faults.inject(row.operation, row.fault, row.count);
    const result = row.operation === "getBatch"
      ? await h.call("get_batch", read())
      : await h.call("retry_failed_documents", { bucket: h.bucket, batch_id: h.batches["permanent-bad-input"], retry_mode: "all", max_retry_count: 10 });
    if (row.expectError) {
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(row.expectError);
      expect(text(result)).not.toMatch(/\n\s+at /);
    } else {
      expect(result.isError, text(result)).toBeFalsy();
    }
    expect(requestsFor(h.emulator, row.operation)).toHaveLength(row.requests);
    h.emulator.faults.clear();
    expect((await h.call("get_batch", read())).isError).toBeFalsy();
    expect(JSON.stringify(result) + h.logs.join("\n") + auditText(h)).not.toContain(KEY);
  });

  it("a batch from another namespace is a 404 with the next step", async () => {
    const other = await startHarness({ apiKey: KEY, config: { namespace: "ns_someone_else" } });
    try {
      const result = await other.call("get_batch", read());
      // The bucket is not in that namespace: the hint names the bucket and the namespace in use.
      expect(text(result)).toMatch(/HTTP 404[\s\S]*check the bucket name or ID, and the namespace in use \(ns_someone_else\)/);
      expect(JSON.stringify(result) + other.logs.join("\n")).not.toContain(KEY);
    } finally { await other.close(); }
  });
});

describe("repetition", () => {
  it("sends a repeated write once within the window, and again after it", async () => {
    const quick = await startHarness({ apiKey: KEY, config: { dedupeWindowMs: 300 } });
    try {
      const args = { bucket: quick.bucket, batch_id: quick.batches["permanent-bad-input"], retry_mode: "all" };
      const first = await quick.call("retry_failed_documents", args);
      const second = await quick.call("retry_failed_documents", args);
      expect(first.structuredContent!.deduplicated).toBeUndefined();
      expect(second.structuredContent).toMatchObject({ outcome: first.structuredContent!.outcome, deduplicated: true });
      expect(text(second)).toMatch(/nothing was sent again/);
      expect(requestsFor(quick.emulator, "retryDocuments")).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 350));
      await quick.call("retry_failed_documents", args);
      expect(requestsFor(quick.emulator, "retryDocuments")).toHaveLength(2);
    } finally { await quick.close(); }
  });

  it("shares one request between identical concurrent writes, but not between different ones", async () => {
    const args = { bucket: h.bucket, batch_id: h.batches["transient-network"], retry_mode: "transient_only" };
    const [a, b] = await Promise.all([h.call("retry_failed_documents", args), h.call("retry_failed_documents", args)]);
    expect([a.structuredContent!.deduplicated, b.structuredContent!.deduplicated].filter(Boolean)).toHaveLength(1);
    await h.call("retry_failed_documents", { ...args, tier_nums: [1] });
    expect(requestsFor(h.emulator, "retryDocuments")).toHaveLength(2);
  });

  it("does not resend a write whose outcome is unknown", async () => {
    const args = { bucket: h.bucket, batch_id: h.batches["oom-gpu-tier"], tier_num: 1, memory_bytes: 2 ** 34 };
    h.emulator.faults.inject("retryTier", { kind: "drop-after-apply" });
    const first = await h.call("retry_tier", args);
    expect(text(first)).toMatch(/Outcome unknown/);
    const again = await h.call("retry_tier", args);
    expect(text(again)).toMatch(/Deduplicated[\s\S]*Outcome unknown/);
    expect(requestsFor(h.emulator, "retryTier")).toHaveLength(1);
  });
});

describe("audit log", () => {
  it("records every write as one JSON line, readable as a resource", async () => {
    const audited = await startHarness({ apiKey: KEY });
    try {
      const args = { bucket: audited.bucket, batch_id: audited.batches["transient-network"], retry_mode: "transient_only" };
      await audited.call("retry_failed_documents", args);
      await audited.call("retry_failed_documents", args);
      await audited.call("cancel_batch", { bucket: audited.bucket, batch_id: audited.batches["still-running"] });
      await audited.call("get_batch", { bucket: audited.bucket, batch_id: audited.batches["still-running"] });
      const lines = readFileSync(audited.auditPath, "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatchObject({ tool: "retry_failed_documents", arguments: args, outcome: "retrying", deduplicated: false, namespace: audited.emulator.sandbox.namespaceId });
      expect(lines[0].request_ids[0]).toMatch(/^req_/);
      expect(lines[1]).toMatchObject({ deduplicated: true, request_ids: [] });
      expect(lines[2]).toMatchObject({ tool: "cancel_batch", outcome: "confirmation_required", confirmed: "pending" });
      const resource = await audited.client.readResource({ uri: "mixpeek://audit/recent" });
      const entries = JSON.parse((resource.contents[0] as { text: string }).text).entries;
      expect(entries.map((e: { tool: string }) => e.tool)).toEqual(["cancel_batch", "retry_failed_documents", "retry_failed_documents"]);
      expect(readFileSync(audited.auditPath, "utf8")).not.toContain(KEY);
    } finally { await audited.close(); }
  });

  it("shows each caller only its own entries, and nothing about the server", async () => {
    const first = await startHarness({ apiKey: KEY });
    // Another tenant of the same server: same audit file and namespace, another key.
    const other = await startHarness({ apiKey: "sk_test_other_tenant_key_42", sharedEmulator: first.emulator, config: { auditLog: first.auditPath } });
    try {
      const read = async (h: Harness) => JSON.parse((((await h.client.readResource({ uri: "mixpeek://audit/recent" })).contents[0]) as { text: string }).text);
      await first.call("retry_failed_documents", { bucket: first.bucket, batch_id: first.batches["transient-network"], retry_mode: "transient_only" });
      expect((await read(first)).entries.map((e: { tool: string }) => e.tool)).toEqual(["retry_failed_documents"]);
      expect(await read(other)).toEqual({ entries: [] });
      await other.call("cancel_batch", { bucket: other.bucket, batch_id: other.batches["still-running"] });
      expect((await read(other)).entries.map((e: { tool: string }) => e.tool)).toEqual(["cancel_batch"]);
      expect((await read(first)).entries.map((e: { tool: string }) => e.tool)).toEqual(["retry_failed_documents"]);
      expect(JSON.stringify(await read(first))).not.toContain(first.auditPath);
    } finally { await other.close(); await first.close(); }
  });
});

describe("untrusted text", () => {
  it("renders API text as quoted data with control characters removed", async () => {
    const r = await h.call("list_failed_documents", { bucket: h.bucket, batch_id: h.batches["permanent-bad-input"], raw: true, limit: 3 });
    expect(text(r)).toContain('error_message="Unsupported codec: video stream is HEVC 10-bit (yuv420p10le)"');
  });
});
