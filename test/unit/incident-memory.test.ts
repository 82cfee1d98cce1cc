// Incident memory: what this server already did to a batch, read from the audit log (a temp
// file, so it survives a restart) or, with the audit off, from a bounded record in memory. Only
// the caller's own namespace and key, only applied actions, only the last day, newest first.
// The audit log's own rules (default path, torn lines, oversized arguments, tail reading) too.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog, defaultAuditPath, type AuditEntry } from "../../src/safety/audit.js";
import { IncidentMemory, type MemoryScope } from "../../src/safety/incident-memory.js";

const NOW = Date.parse("2026-12-02T12:00:00.000Z");
const HOUR = 3_600_000;
const scope: MemoryScope = { namespace: "ns_a", credential: "cred_a" };
const tempFile = () => join(mkdtempSync(join(tmpdir(), "incident-memory-")), "audit.jsonl");

let sequence = 0;
const entry = (more: Partial<AuditEntry> = {}, args: Record<string, unknown> = {}): AuditEntry => ({
  time: new Date(NOW - HOUR).toISOString(), tool: "retry_tier", namespace: scope.namespace, credential: scope.credential,
  arguments: { bucket: "media", batch_id: "btch_A", tier_num: 1, ...args }, outcome: "retrying",
  request_ids: [`req_${++sequence}`], duration_ms: 5, deduplicated: false, confirmed: "not required", ...more,
});

/** The same checks against a memory backed by a file and one backed by nothing. */
const BACKINGS = [
  ["the audit file", () => new AuditLog(tempFile())],
  ["memory (audit off)", () => new AuditLog(undefined)],
] as const;

describe.each(BACKINGS)("IncidentMemory over %s", (_name, audit) => {
  const memory = () => new IncidentMemory(audit(), () => NOW);

  it("gives this scope's applied actions on the batch, newest first, as tool, summary, outcome, time and arguments", async () => {
    const m = memory();
    m.append(entry({ time: new Date(NOW - 2 * HOUR).toISOString(), tool: "detect_stuck_tier", outcome: "stuck_detected" }));
    m.append(entry({ time: new Date(NOW - HOUR).toISOString(), outcome: "retrying" }, { memory_bytes: 17179869184, requires_gpu: true }));
    expect(await m.forBatch("btch_A", scope)).toEqual([
      { tool: "retry_tier", summary: "tier_num=1 memory_bytes=17179869184 requires_gpu=true", outcome: "retrying", at: new Date(NOW - HOUR).toISOString(),
        arguments: { bucket: "media", batch_id: "btch_A", tier_num: 1, memory_bytes: 17179869184, requires_gpu: true } },
      { tool: "detect_stuck_tier", summary: "tier_num=1", outcome: "stuck_detected", at: new Date(NOW - 2 * HOUR).toISOString(),
        arguments: { bucket: "media", batch_id: "btch_A", tier_num: 1 } },
    ]);
  });

  it("leaves out other batches, namespaces, keys, repeats, plans and anything older than a day", async () => {
    const m = memory();
    m.append(entry({}, { batch_id: "btch_B" }));
    m.append(entry({ namespace: "ns_b" }));
    m.append(entry({ credential: "cred_b" }));
    m.append(entry({ credential: undefined }));
    m.append(entry({ deduplicated: true }));
    m.append(entry({ outcome: "confirmation_required", confirmed: "pending" }));
    m.append(entry({ time: new Date(NOW - 24 * HOUR - 1).toISOString() }));
    m.append(entry({ time: new Date(NOW - 24 * HOUR).toISOString(), outcome: "oldest kept" }));
    m.append(entry({ outcome: "refused" }));
    expect((await m.forBatch("btch_A", scope)).map((a) => a.outcome)).toEqual(["refused", "oldest kept"]);
    expect(await m.forBatch("btch_B", scope)).toHaveLength(1);
    expect(await m.forBatch("btch_A", { namespace: "ns_b", credential: "cred_a" })).toHaveLength(1);
    expect(await m.forBatch("btch_none", scope)).toEqual([]);
  });

  it("keeps the newest 20 actions of a batch", async () => {
    const m = memory();
    for (let i = 0; i < 25; i++) m.append(entry({ outcome: `o${i}` }));
    expect((await m.forBatch("btch_A", scope)).map((a) => a.outcome)).toEqual(Array.from({ length: 20 }, (_, i) => `o${24 - i}`));
  });

  it("summarises the arguments beyond the batch, strings bare and the rest as JSON, cut at 120 characters", async () => {
    const m = memory();
    const batchOnly = { bucket: "media", batch_id: "btch_A" };
    m.append(entry({ tool: "retry_failed_documents", arguments: { ...batchOnly, retry_mode: "transient_only", tier_nums: [0, 2], source_filters: { a: "b" } } }));
    expect((await m.forBatch("btch_A", scope))[0]!.summary).toBe('retry_mode=transient_only tier_nums=[0,2] source_filters={"a":"b"}');
    const m2 = memory();
    m2.append(entry({ arguments: { ...batchOnly, note: "x".repeat(200) } }));
    const summary = (await m2.forBatch("btch_A", scope))[0]!.summary;
    expect(summary).toBe(`note=${"x".repeat(114)}…`);
    expect(summary).toHaveLength(120);
    const m3 = memory();
    m3.append(entry({ arguments: { ...batchOnly, note: "y".repeat(115) } }));
    expect((await m3.forBatch("btch_A", scope))[0]!.summary).toBe(`note=${"y".repeat(115)}`);
    const m4 = memory();
    m4.append(entry({ arguments: batchOnly }));
    expect((await m4.forBatch("btch_A", scope))[0]!.summary).toBe("");
  });
});

describe("IncidentMemory with the audit on", () => {
  it("writes each action to the audit file and reads it back after a restart", async () => {
    const path = tempFile();
    const first = new IncidentMemory(new AuditLog(path), () => NOW);
    first.append(entry({ tool: "detect_stuck_tier", outcome: "stuck_detected" }));
    expect(readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l).tool)).toEqual(["detect_stuck_tier"]);
    const restarted = new IncidentMemory(new AuditLog(path), () => NOW);
    expect((await restarted.forBatch("btch_A", scope)).map((a) => a.tool)).toEqual(["detect_stuck_tier"]);
    // The file is the only record: nothing is also kept in memory.
    expect(first["record"]).toEqual([]);
  });

  it("gives no history when the file cannot be read", async () => {
    const memory = new IncidentMemory(new AuditLog(join(tempFile(), "missing", "audit.jsonl")), () => NOW);
    expect(await memory.forBatch("btch_A", scope)).toEqual([]);
  });
});

describe("IncidentMemory with the audit off", () => {
  it("keeps the newest 1,000 actions across batches", async () => {
    const memory = new IncidentMemory(new AuditLog(undefined), () => NOW);
    memory.append(entry({}, { batch_id: "btch_old" }));
    for (let i = 0; i < 999; i++) memory.append(entry({}, { batch_id: "btch_new" }));
    expect(await memory.forBatch("btch_old", scope)).toHaveLength(1);
    memory.append(entry({}, { batch_id: "btch_new" }));
    expect(await memory.forBatch("btch_old", scope)).toEqual([]);
    expect(memory["record"]).toHaveLength(1000);
  });

  it("reads the clock at each question", async () => {
    let now = NOW;
    const memory = new IncidentMemory(new AuditLog(undefined), () => now);
    memory.append(entry({ time: new Date(NOW).toISOString() }));
    expect(await memory.forBatch("btch_A", scope)).toHaveLength(1);
    now += 24 * HOUR + 1;
    expect(await memory.forBatch("btch_A", scope)).toEqual([]);
  });
});

describe("AuditLog", () => {
  it("defaults to the XDG state directory, else ~/.local/state", async () => {
    expect(defaultAuditPath({ XDG_STATE_HOME: "/xdg" })).toBe(join("/xdg", "mixpeek-batch-mcp", "audit.jsonl"));
    expect(defaultAuditPath({ XDG_STATE_HOME: " /xdg " })).toBe(join("/xdg", "mixpeek-batch-mcp", "audit.jsonl"));
    expect(defaultAuditPath({})).toBe(join(homedir(), ".local", "state", "mixpeek-batch-mcp", "audit.jsonl"));
    expect(defaultAuditPath({ XDG_STATE_HOME: "  " })).toBe(join(homedir(), ".local", "state", "mixpeek-batch-mcp", "audit.jsonl"));
  });

  it("does nothing without a path", async () => {
    const log = new AuditLog(undefined, () => { throw new Error("must not report"); });
    log.append(entry());
    expect(log.recent()).toEqual([]);
  });

  it("creates the directory, writes one line per entry, and reads the newest first up to a limit", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "audit-")), "deep", "er", "audit.jsonl");
    const log = new AuditLog(path);
    for (const outcome of ["a", "b", "c"]) log.append(entry({ outcome }));
    // Only its owner may read what an agent did.
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8").split("\n")).toHaveLength(4);
    expect(log.recent().map((e) => e.outcome)).toEqual(["c", "b", "a"]);
    expect(log.recent(2).map((e) => e.outcome)).toEqual(["c", "b"]);
    expect(log.recent(1).map((e) => e.outcome)).toEqual(["c"]);
  });

  it("starts on a fresh line after a torn one, once, and not after a whole one", async () => {
    const torn = tempFile();
    writeFileSync(torn, '{"partial": tr');
    const log = new AuditLog(torn);
    log.append(entry({ outcome: "x" }));
    log.append(entry({ outcome: "y" }));
    expect(readFileSync(torn, "utf8").split("\n").map((l) => l.slice(0, 14))).toEqual(['{"partial": tr', '{"time":"2026-', '{"time":"2026-', ""]);
    expect(log.recent().map((e) => e.outcome)).toEqual(["y", "x"]);

    const whole = tempFile();
    writeFileSync(whole, `${JSON.stringify(entry({ outcome: "before" }))}\n`);
    new AuditLog(whole).append(entry({ outcome: "after" }));
    expect(readFileSync(whole, "utf8").split("\n")).toHaveLength(3);

    const empty = tempFile();
    writeFileSync(empty, "");
    new AuditLog(empty).append(entry());
    expect(readFileSync(empty, "utf8").startsWith("{")).toBe(true);
  });

  it("keeps the target of an entry too large for one line", async () => {
    const path = tempFile();
    const log = new AuditLog(path);
    log.append(entry({}, { memory_bytes: 1, filters: "z".repeat(5000) }));
    const [line] = readFileSync(path, "utf8").trim().split("\n");
    expect(line!.length).toBeLessThanOrEqual(4096);
    const size = JSON.stringify({ bucket: "media", batch_id: "btch_A", tier_num: 1, memory_bytes: 1, filters: "z".repeat(5000) }).length;
    expect(JSON.parse(line!).arguments).toEqual({ bucket: "media", batch_id: "btch_A", tier_num: 1, truncated: true, size });
    expect(JSON.parse(line!)).toMatchObject({ tool: "retry_tier", outcome: "retrying" });
    // An entry of exactly the limit is written as it is.
    const fits = entry({}, { pad: "" });
    const pad = 4096 - JSON.stringify(fits).length;
    const exact = entry({}, { pad: "p".repeat(pad) });
    log.append(exact);
    expect(JSON.stringify(exact)).toHaveLength(4096);
    expect(log.recent(1)[0]!.arguments["pad"]).toBe("p".repeat(pad));
  });

  it("reads only the tail of a large file, skipping a partial first line", async () => {
    const path = tempFile();
    const big = entry({ outcome: "big" }, { pad: "q".repeat(3000) });
    const lines = Array.from({ length: 120 }, (_, i) => JSON.stringify({ ...big, outcome: `n${i}` }));
    writeFileSync(path, `${lines.join("\n")}\n`);
    const recent = new AuditLog(path).recent(500);
    expect(recent[0]!.outcome).toBe("n119");
    // 256 KiB hold about 85 of these lines; the first one read is cut and left out.
    expect(recent.length).toBeGreaterThan(70);
    expect(recent.length).toBeLessThan(100);
    expect(recent.at(-1)!.outcome).toBe(`n${120 - recent.length}`);
  });

  it("reports an unwritable file once and keeps going", async () => {
    const warnings: string[] = [];
    const blocker = tempFile();
    writeFileSync(blocker, "a file, not a directory");
    const log = new AuditLog(join(blocker, "audit.jsonl"), (message) => warnings.push(message));
    log.append(entry());
    expect(warnings).toHaveLength(1);
    log.append(entry());
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^audit log ${join(blocker, "audit.jsonl").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not writable: `))]);
  });
});
