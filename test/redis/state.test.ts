// The shared state against a real redis-server: the same contract for the in-process state and
// for Redis seen from two replicas (two RedisState instances, two connections), then what only
// Redis does: windows expire by TTL, a call in flight is waited for and then called unknown, keys
// hold no namespace or key, the audit stream is bounded, and an outage refuses writes until
// Redis is back.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@redis/client";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog, type AuditEntry } from "../../src/safety/audit.js";
import { countersFor } from "../../src/safety/budget.js";
import { digest } from "../../src/safety/confirm.js";
import { PER_BATCH } from "../../src/safety/incident-memory.js";
import type { Settled } from "../../src/safety/dedupe.js";
import { AUDIT_STREAM, RedisState } from "../../src/safety/redis-state.js";
import { SharedStateUnavailable, localState, openSharedState, type SharedState } from "../../src/safety/state.js";
import { CATALOGUE_CONFIG } from "../../src/mcp/catalogue.js";
import { Logger } from "../../src/util/log.js";
import { startRedis, type RedisServer } from "../../scripts/redis-server.mjs";

let redis: RedisServer;
let inspect: ReturnType<typeof createClient>;
const opened: SharedState[] = [];
const warnings: string[] = [];

const logger = () => {
  const log = new Logger([], { stderr: false });
  log.addSink((level, message) => { if (level === "warning") warnings.push(message); });
  return log;
};
/** Every line a logger wrote, as "level: message". */
const recorder = () => {
  const lines: string[] = [];
  const log = new Logger([], { stderr: false });
  log.addSink((level, message) => { lines.push(`${level}: ${message}`); if (level === "warning") warnings.push(message); });
  return { log, lines };
};
const openRedis = async (options: { windowMs?: number; waitMs?: number | null; timeoutMs?: number; auditLog?: string; log?: Logger } = {}) => {
  const state = await RedisState.open(redis.url, {
    windowMs: options.windowMs ?? 60_000, timeoutMs: options.timeoutMs ?? 1_000, audit: new AuditLog(options.auditLog), logger: options.log ?? logger(),
    ...(options.waitMs === null ? {} : { waitMs: options.waitMs ?? 5_000 }),
  });
  opened.push(state);
  return state;
};

beforeAll(async () => {
  redis = await startRedis();
  inspect = createClient({ url: redis.url });
  inspect.on("error", () => {}); // the outage test stops Redis under it
  await inspect.connect();
});
afterAll(async () => {
  await Promise.all(opened.map((state) => state.close()));
  await inspect.close().catch(() => inspect.destroy());
  await redis.stop();
});

const reply = (text: string): CallToolResult => ({ content: [{ type: "text", text }], structuredContent: { outcome: text } });
let sequence = 0;
const unique = (prefix: string) => `${prefix}_${++sequence}_${Date.now()}`;
const entry = (scope: { namespace: string; credential: string }, more: Partial<AuditEntry> = {}, args: Record<string, unknown> = {}): AuditEntry => ({
  time: new Date().toISOString(), tool: "retry_tier", namespace: scope.namespace, credential: scope.credential,
  arguments: { bucket: "media", batch_id: "btch_A", tier_num: 1, ...args }, outcome: "retrying",
  request_ids: [], duration_ms: 1, deduplicated: false, confirmed: "not required", ...more,
});
/** A send the test settles by hand, counting its runs. */
function manualSend() {
  let finish!: (settled: Settled) => void;
  const done = new Promise<Settled>((resolve) => { finish = resolve; });
  const send = Object.assign(async () => { send.runs++; return done; }, { runs: 0 });
  return { send, finish };
}
const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** Two replicas' views of one state: the same object in-process, two connections to Redis. */
const IMPLEMENTATIONS: [string, () => Promise<[SharedState, SharedState]>][] = [
  ["in-process", async () => { const state = localState({ dedupeWindowMs: 60_000, auditLog: undefined }); return [state, state]; }],
  ["Redis, two replicas", async () => [await openRedis(), await openRedis()]],
];

describe.each(IMPLEMENTATIONS)("shared state: %s", (_name, open) => {
  it("sends identical concurrent calls once, and answers both with the outcome", async () => {
    const [a, b] = await open();
    const key = a.mutations.key("retry_tier", unique("ns|cred"), { batch_id: "btch_1", tier_num: 1 });
    expect(b.mutations.key("retry_tier", "x", { tier_num: 1, batch_id: "btch_1" })).toBe(a.mutations.key("retry_tier", "x", { batch_id: "btch_1", tier_num: 1 }));
    const { send, finish } = manualSend();
    const first = a.mutations.once(key, send);
    await until(() => send.runs === 1, "the first call to send");
    const second = b.mutations.once(key, send);
    finish({ reply: reply("retrying"), keep: true });
    expect(await first).toEqual({ reply: reply("retrying") });
    expect(await second).toEqual({ reply: reply("retrying") });
    // Later, within the window, still answered from the first call.
    expect(await b.mutations.once(key, send)).toEqual({ reply: reply("retrying") });
    expect(send.runs).toBe(1);
  });

  it("sends again after a call that changed nothing, or threw", async () => {
    const [a, b] = await open();
    const key = a.mutations.key("retry_tier", unique("ns|cred"), {});
    const refused = async () => ({ reply: reply("refused"), keep: false });
    expect(await a.mutations.once(key, refused)).toEqual({ reply: reply("refused") });
    await expect(b.mutations.once(key, async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(await a.mutations.once(key, async () => ({ reply: reply("retrying"), keep: true }))).toEqual({ reply: reply("retrying") });
  });

  it("takes a confirmation token once, wherever it is used", async () => {
    const [a, b] = await open();
    const id = unique("tok");
    expect(await a.usedTokens.use("ns|cred", id, Date.now() + 60_000)).toEqual({ ok: true });
    expect(await b.usedTokens.use("ns|cred", id, Date.now() + 60_000)).toEqual({ ok: false, reason: "the confirm_token was already used." });
    expect(await a.usedTokens.use("ns|cred", unique("tok"), Date.now() + 60_000)).toEqual({ ok: true });
  });

  it("remembers an action recorded on one replica in the other's diagnosis, for its own scope only", async () => {
    const [a, b] = await open();
    const scope = { namespace: unique("ns"), credential: "cred_a" };
    await a.memory.append(entry(scope, { tool: "detect_stuck_tier", outcome: "stuck_detected" }));
    await a.memory.append(entry(scope, { outcome: "confirmation_required" }));
    await a.memory.append(entry(scope, { deduplicated: true }));
    await a.memory.append(entry(scope, {}, { batch_id: "btch_B" }));
    await a.memory.append(entry({ ...scope, credential: "cred_b" }));
    expect((await b.memory.forBatch("btch_A", scope)).map((x) => [x.tool, x.outcome, x.summary])).toEqual([["detect_stuck_tier", "stuck_detected", "tier_num=1"]]);
    expect((await b.memory.recent(scope, 50)).map((x) => x.outcome)).toEqual(["retrying", "retrying", "confirmation_required", "stuck_detected"]);
    expect(await b.memory.forBatch("btch_A", { ...scope, namespace: "elsewhere" })).toEqual([]);
  });

  it("keeps a batch's actions however many plans and repeats follow", async () => {
    const [a, b] = await open();
    const scope = { namespace: unique("ns"), credential: "cred_a" };
    await a.memory.append(entry(scope, { tool: "retry_tier", outcome: "retrying" }));
    for (let i = 0; i < PER_BATCH + 5; i++) await a.memory.append(entry(scope, { outcome: "confirmation_required" }));
    for (let i = 0; i < 3; i++) await a.memory.append(entry(scope, { deduplicated: true }));
    expect((await b.memory.forBatch("btch_A", scope)).map((x) => x.outcome)).toEqual(["retrying"]);
  });

  it("counts a budget across replicas, names the full counter, and gives slots back", async () => {
    const [a, b] = await open();
    const scope = unique("ns|cred");
    const counters = countersFor({ perBatch: 2, perCredential: 10 }, "btch_1");
    expect(await a.budgets.reserve(scope, counters, "c1")).toBeUndefined();
    expect(await b.budgets.reserve(scope, counters, "c2")).toBeUndefined();
    const full = await a.budgets.reserve(scope, counters, "c3");
    expect(full).toMatchObject({ counter: counters[0], used: 2 });
    expect(full!.oldest).toBeGreaterThan(Date.now() - 60_000);
    expect(full!.oldest).toBeLessThanOrEqual(Date.now() + 1_000);
    expect((await b.budgets.usage(scope, counters)).map((u) => u.used)).toEqual([2, 2]);
    await b.budgets.release(scope, counters, "c2");
    expect((await a.budgets.usage(scope, counters)).map((u) => u.used)).toEqual([1, 1]);
    expect(await b.budgets.reserve(scope, counters, "c4")).toBeUndefined();
    expect(await a.budgets.usage(scope, countersFor({ perBatch: 2, perCredential: 10 }, "btch_none"))).toMatchObject([{ used: 0, oldest: undefined }, { used: 2 }]);
  });
});

describe("shared state in Redis", () => {
  it("keeps a settled outcome for the window only (key TTL), and every key expires", async () => {
    const state = await openRedis({ windowMs: 300 });
    const key = state.mutations.key("retry_tier", unique("ns|cred"), {});
    const send = Object.assign(async () => { send.runs++; return { reply: reply("retrying"), keep: true }; }, { runs: 0 });
    await state.mutations.once(key, send);
    const ttl = await inspect.pTTL(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    await state.mutations.once(key, send);
    expect(send.runs).toBe(1);
    await until(async () => (await inspect.exists(key)) === 0, "the window to end");
    await state.mutations.once(key, send);
    expect(send.runs).toBe(2);

    const scope = { namespace: unique("ns"), credential: "c" };
    await state.memory.append(entry(scope));
    await state.usedTokens.use("ns|c", unique("tok"), Date.now() + 60_000);
    await state.budgets.reserve("ns|c", countersFor({ perBatch: 5, perCredential: 5 }, "btch_ttl"), "x");
    const keys = await inspect.keys("mixpeek-mcp:*");
    for (const k of keys.filter((k) => k !== AUDIT_STREAM)) {
      const pttl = await inspect.pTTL(k);
      expect(pttl, k).toBeGreaterThan(0);
      expect(pttl, k).toBeLessThanOrEqual(24 * 3_600_000);
    }
  });

  it("waits for an identical call in flight on another replica, and past the wait says its outcome is unknown rather than send", async () => {
    const a = await openRedis();
    const b = await openRedis({ waitMs: 300 });
    const key = a.mutations.key("cancel_batch", unique("ns|cred"), { batch_id: "btch_1" });
    const { send, finish } = manualSend();
    const first = a.mutations.once(key, send);
    await until(() => send.runs === 1, "the first call to send");
    const started = Date.now();
    expect(await b.mutations.once(key, send)).toEqual({ stillInFlight: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(send.runs).toBe(1);
    finish({ reply: reply("canceled"), keep: true });
    await first;
    expect(await b.mutations.once(key, send)).toEqual({ reply: reply("canceled") });
    expect(send.runs).toBe(1);
  });

  it("keys hold a digest of the scope, never its namespace or key digest; the audit stream holds every entry and is bounded", async () => {
    const state = await openRedis();
    const scope = { namespace: "ns_visible_name", credential: "cred_visible_digest" };
    const before = await inspect.xLen(AUDIT_STREAM).catch(() => 0);
    await state.memory.append(entry(scope));
    await state.budgets.reserve("ns_visible_name|cred_visible_digest", countersFor({ perBatch: 5, perCredential: 5 }, "btch_visible"), "x");
    await state.usedTokens.use("ns_visible_name|cred_visible_digest", "tok_x", Date.now() + 60_000);
    const keys = await inspect.keys("*");
    expect(keys.filter((k) => /visible/.test(k))).toEqual([]);
    for (const k of keys) expect(k).toMatch(/^mixpeek-mcp:(audit|[\w-]{22}:(dedupe|token|budget|recent|actions)\b.*)$/);
    expect(await inspect.xLen(AUDIT_STREAM)).toBe(before + 1);
    const [last] = await inspect.xRevRange(AUDIT_STREAM, "+", "-", { COUNT: 1 });
    expect(JSON.parse(last!.message["entry"]!)).toMatchObject({ tool: "retry_tier", namespace: "ns_visible_name" });
    for (let i = 0; i < 10_300; i += 100) {
      const multi = inspect.multi();
      for (let j = 0; j < 100; j++) multi.xAdd(AUDIT_STREAM, "*", { entry: "{}" });
      await multi.exec();
    }
    await state.memory.append(entry(scope));
    expect(await inspect.xLen(AUDIT_STREAM)).toBeLessThan(10_300);
  });

  it("treats a Redis that refuses writes (out of memory) like an unreachable one", async () => {
    const state = await openRedis();
    await inspect.configSet({ maxmemory: "1", "maxmemory-policy": "noeviction" });
    try {
      await expect(state.usedTokens.use("s", unique("tok"), Date.now() + 60_000)).rejects.toThrow(/^Redis at 127\.0\.0\.1:\d+ refused the write \(OOM /);
      await expect(state.usedTokens.use("s", unique("tok"), Date.now() + 60_000)).rejects.toBeInstanceOf(SharedStateUnavailable);
    } finally {
      await inspect.configSet({ maxmemory: "0" });
    }
  });

  it("refuses writes while Redis is down (reads fail clearly, records go on in the file), and accepts them once it is back", async () => {
    const auditLog = join(mkdtempSync(join(tmpdir(), "redis-outage-")), "audit.jsonl");
    const { log, lines } = recorder();
    const state = await openRedis({ auditLog, log });
    expect(lines).toEqual([]);
    const scope = { namespace: unique("ns"), credential: "c" };
    expect(await state.health()).toEqual({ store: "redis", reachable: true });
    await redis.stop();
    try {
      await until(async () => !(await state.health())!.reachable, "the outage to be seen");
      expect(() => state.assertWritable()).toThrow(SharedStateUnavailable);
      expect(() => state.assertWritable()).toThrow(/^Redis at 127\.0\.0\.1:\d+ is unreachable$/);
      const send = Object.assign(async () => { send.runs++; return { reply: reply("x"), keep: true }; }, { runs: 0 });
      await expect(state.mutations.once(state.mutations.key("t", "s", {}), send)).rejects.toThrow(SharedStateUnavailable);
      expect(send.runs).toBe(0);
      await expect(state.usedTokens.use("s", "tok", Date.now() + 1_000)).rejects.toThrow(SharedStateUnavailable);
      await expect(state.budgets.reserve("s", countersFor({ perBatch: 1, perCredential: 1 }, "b"), "x")).rejects.toThrow(SharedStateUnavailable);
      await expect(state.memory.forBatch("btch_A", scope)).rejects.toThrow(SharedStateUnavailable);
      await state.memory.append(entry(scope, { outcome: "during the outage" }));
      expect(readFileSync(auditLog, "utf8")).toContain("during the outage");
      expect(warnings.some((w) => /Redis at 127\.0\.0\.1:\d+ is unreachable .*changes are refused until it is back; reads go on/.test(w))).toBe(true);
      expect(warnings.some((w) => /retry_tier was recorded in the audit file but not in Redis/.test(w))).toBe(true);
    } finally {
      await redis.start();
    }
    await until(() => { try { state.assertWritable(); return true; } catch { return false; } }, "Redis to be writable again");
    expect(await state.health()).toEqual({ store: "redis", reachable: true });
    expect(await state.mutations.once(state.mutations.key("t", "s", {}), async () => ({ reply: reply("back"), keep: true }))).toEqual({ reply: reply("back") });
    // One warning for the outage however often reconnecting failed, one notice when it ended.
    expect(lines.filter((l) => /^warning: Redis at .* is unreachable/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("info:"))).toEqual([expect.stringMatching(/^info: Redis at 127\.0\.0\.1:\d+ is reachable again: changes are accepted\.$/)]);
  });

  it("starts while Redis is down (degraded, after at most 2 s) and becomes writable once Redis comes up", async () => {
    await redis.stop();
    let state: SharedState;
    /** Closed while Redis is down: it stops trying to reach it. */
    let closed: SharedState;
    try {
      const started = Date.now();
      [state, closed] = await Promise.all([openRedis(), openRedis()]);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(() => state.assertWritable()).toThrow(SharedStateUnavailable);
      expect(await state.health()).toEqual({ store: "redis", reachable: false });
      await closed.close();
      await closed.close();
    } finally {
      await redis.start();
    }
    await until(() => { try { state.assertWritable(); return true; } catch { return false; } }, "Redis to be writable");
    expect(await state.usedTokens.use("s", unique("tok"), Date.now() + 60_000)).toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(() => closed.assertWritable()).toThrow(SharedStateUnavailable);
  });

  // In this process an identical call in flight shares the first one's answer, whatever it is;
  // across replicas the waiting call sees the claim removed, and sends itself.
  it("lets an identical call on another replica that waited on one that changed nothing send itself", async () => {
    const a = await openRedis();
    const b = await openRedis();
    const key = a.mutations.key("retry_tier", unique("ns|cred"), { batch_id: "btch_1" });
    const first = manualSend();
    const pending = a.mutations.once(key, first.send);
    await until(() => first.send.runs === 1, "the first call to send");
    const second = Object.assign(async () => { second.runs++; return { reply: reply("retrying"), keep: true }; }, { runs: 0 });
    const waiting = b.mutations.once(key, second);
    await new Promise((resolve) => setTimeout(resolve, 60));
    first.finish({ reply: reply("refused"), keep: false });
    expect(await pending).toEqual({ reply: reply("refused") });
    expect(await waiting).toEqual({ reply: reply("retrying") });
    expect(second.runs).toBe(1);
  });

  it("bounds a caller's recent changes at 50 and a batch's actions at PER_BATCH, and reads at most what was asked", async () => {
    const state = await openRedis();
    const scope = { namespace: unique("ns"), credential: "c" };
    for (let i = 0; i < 55; i++) await state.memory.append(entry(scope, { duration_ms: i }));
    const base = `mixpeek-mcp:${digest(`${scope.namespace}|${scope.credential}`)}`;
    expect(await inspect.lLen(`${base}:recent`)).toBe(50);
    expect(await inspect.lLen(`${base}:actions:${digest("btch_A")}`)).toBe(PER_BATCH);
    expect((await state.memory.recent(scope, 2)).map((e) => e.duration_ms)).toEqual([54, 53]);
    expect(await state.memory.recent(scope, 500)).toHaveLength(50);
    expect(await state.memory.forBatch("btch_A", scope)).toHaveLength(PER_BATCH);
  });

  it("claims a change in flight for ten API timeouts even when the window is shorter, so no second copy is sent beside a slow one", async () => {
    const state = await openRedis({ windowMs: 300, timeoutMs: 1_000 });
    const key = state.mutations.key("retry_tier", unique("ns|cred"), {});
    const { send, finish } = manualSend();
    const first = state.mutations.once(key, send);
    await until(() => send.runs === 1, "the call to send");
    const ttl = await inspect.pTTL(key);
    expect(ttl).toBeGreaterThan(9_000);
    expect(ttl).toBeLessThanOrEqual(10_000);
    finish({ reply: reply("retrying"), keep: true });
    await first;
    expect(await inspect.pTTL(key)).toBeLessThanOrEqual(300);
  });

  it("by default waits for an identical call in flight for the API timeout plus 5 s", async () => {
    const a = await openRedis({ timeoutMs: 100 });
    const b = await openRedis({ timeoutMs: 100, waitMs: null });
    const key = a.mutations.key("cancel_batch", unique("ns|cred"), {});
    const { send, finish } = manualSend();
    const first = a.mutations.once(key, send);
    await until(() => send.runs === 1, "the first call to send");
    let answered: unknown;
    const second = b.mutations.once(key, send).then((value) => { answered = value; return value; });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(answered).toBeUndefined();
    finish({ reply: reply("canceled"), keep: true });
    await first;
    expect(await second).toEqual({ reply: reply("canceled") });
    expect(send.runs).toBe(1);
  });

  it("does not let a call whose claim expired settle over the claim of the call that took its place", async () => {
    // windowMs 50 and timeoutMs 10: a claim lasts 100 ms.
    const a = await openRedis({ windowMs: 50, timeoutMs: 10, waitMs: 0 });
    const b = await openRedis({ windowMs: 50, timeoutMs: 10, waitMs: 0 });
    const key = a.mutations.key("retry_tier", unique("ns|cred"), {});
    const slow = manualSend();
    const first = a.mutations.once(key, slow.send);
    await until(() => slow.send.runs === 1, "the first call to send");
    await until(async () => (await inspect.exists(key)) === 0, "the first claim to expire");
    const next = manualSend();
    const second = b.mutations.once(key, next.send);
    await until(() => next.send.runs === 1, "the second call to send");
    slow.finish({ reply: reply("late"), keep: true });
    await first;
    expect(await inspect.get(key)).toMatch(/^P/);
    next.finish({ reply: reply("refused"), keep: false });
    await second;
    expect(await inspect.exists(key)).toBe(0);
  });

  it("lets Redis's error for a bug of ours through as it is, not as an outage", async () => {
    const state = await openRedis();
    const scope = unique("ns|cred");
    const counters = countersFor({ perBatch: 0, perCredential: 5 }, undefined);
    await inspect.set(`mixpeek-mcp:${digest(scope)}:${counters[0]!.key}`, "not a sorted set");
    const error = await state.budgets.reserve(scope, counters, "x").catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(SharedStateUnavailable);
    expect((error as Error).message).toMatch(/WRONGTYPE/);
  });

  it("treats a Redis that does not answer within a second as unreachable: writes refused, health says so, an outcome it could not take is warned about", async () => {
    const { log, lines } = recorder();
    const state = await openRedis({ log });
    const key = state.mutations.key("retry_tier", unique("ns|cred"), {});
    const settled = await state.mutations.once(key, async () => {
      await inspect.sendCommand(["CLIENT", "PAUSE", "3000", "ALL"]);
      return { reply: reply("retrying"), keep: true };
    });
    expect(settled).toEqual({ reply: reply("retrying") });
    expect(lines.some((l) => /^warning: the outcome of a change could not be shared \(.*\); an identical call will be answered "outcome unknown" until its claim expires$/.test(l)), lines.join("\n")).toBe(true);
    const started = Date.now();
    const [refused, health] = await Promise.all([state.usedTokens.use("s", unique("tok"), Date.now() + 60_000).catch((e: unknown) => e), state.health()]);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(refused).toBeInstanceOf(SharedStateUnavailable);
    expect(refused).toMatchObject({ name: "SharedStateUnavailable", message: expect.stringMatching(/^Redis at 127\.0\.0\.1:\d+ did not answer \(no answer within 1000 ms\)$/) });
    expect(health).toEqual({ store: "redis", reachable: false });
    await until(async () => (await state.health())!.reachable, "Redis to answer again");
  });

  it("closes after the commands it was running have their answers; closed, it takes no writes", async () => {
    const state = await openRedis();
    const used = state.usedTokens.use("s", unique("tok"), Date.now() + 60_000);
    await state.close();
    expect(await used).toEqual({ ok: true });
    expect(() => state.assertWritable()).toThrow(SharedStateUnavailable);
  });
});

describe("openSharedState", () => {
  const config = (more: Partial<typeof CATALOGUE_CONFIG>) => ({ ...CATALOGUE_CONFIG, auditLog: mkdtempSync(join(tmpdir(), "audit-is-a-directory-")), ...more });

  it("opens Redis when a URL is configured, with the audit file's failures logged", async () => {
    const { log, lines } = recorder();
    const state = await openSharedState(config({ redisUrl: redis.url, dedupeWindowMs: 60_000 }), log);
    opened.push(state);
    expect(await state.health()).toEqual({ store: "redis", reachable: true });
    const scope = { namespace: unique("ns"), credential: "c" };
    await state.memory.append(entry(scope));
    expect((await state.memory.recent(scope, 5)).map((e) => e.outcome)).toEqual(["retrying"]);
    expect(lines.filter((l) => /^warning: audit log .* is not writable/.test(l))).toHaveLength(1);
  });

  it("keeps the state in this process without one, with the audit file's failures logged (or, with no logger, ignored)", async () => {
    const { log, lines } = recorder();
    const state = await openSharedState(config({ redisUrl: undefined }), log);
    expect(await state.health()).toBeUndefined();
    await state.memory.append(entry({ namespace: "ns", credential: "c" }));
    expect(lines.filter((l) => /^warning: audit log .* is not writable/.test(l))).toHaveLength(1);
    await localState(config({})).memory.append(entry({ namespace: "ns", credential: "c" }));
  });
});
