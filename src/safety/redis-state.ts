// The shared state in Redis, for replicas behind a load balancer (MIXPEEK_REDIS_URL). Every key
// lives under `mixpeek-mcp:<scope>:` (the scope is a digest of the namespace and of the key's
// digest, never the key) and expires with its window; the audit stream is `mixpeek-mcp:audit`.
// Commands fail at once while Redis is unreachable (no offline queue, a short timeout): reads go
// on without it, and writes are refused (SharedStateUnavailable) since we could not promise that
// another replica does not send the same change.
import { randomUUID } from "node:crypto";
import { createClient, ErrorReply, type RedisClientType } from "@redis/client";
import type { Logger } from "../util/log.js";
import { sleep } from "../util/sleep.js";
import { auditLine, type AuditEntry, type AuditLog } from "./audit.js";
import type { BudgetLedger, Counter, CounterUsage } from "./budget.js";
import { BUDGET_WINDOW_MS } from "./budget.js";
import { digest, type UsedTokens, type Verdict } from "./confirm.js";
import type { MutationWindow, Settled, Shared } from "./dedupe.js";
import { HORIZON_MS, PER_BATCH, actionsOn, isAction, type IncidentRecord, type MemoryScope, type RecentAction } from "./incident-memory.js";
import { SharedStateUnavailable, type SharedState } from "./state.js";

const PREFIX = "mixpeek-mcp";
/** The audit stream keeps about this many entries (XADD MAXLEN ~). */
export const AUDIT_STREAM = `${PREFIX}:audit`;
const AUDIT_STREAM_LENGTH = 10_000;
const AUDIT_TRIM = {
  TRIM: {
    strategy: "MAXLEN",
    // Stryker disable next-line StringLiteral: trimming exactly ("" instead of "~") keeps the same bound, only at more cost
    strategyModifier: "~",
    threshold: AUDIT_STREAM_LENGTH,
  },
} as const;
/** A caller's recent changes kept for mixpeek://audit/recent. */
const RECENT = 50;
/** How often a call waiting for an identical one in flight looks for its outcome. */
const POLL_MS = 25;
const COMMAND_TIMEOUT_MS = 1_000;
/** How long opening waits for a first connection before serving anyway (degraded). */
const FIRST_CONNECT_MS = 2_000;

/** Error replies that mean Redis cannot take writes now (full, a replica, loading, disk error). */
// Stryker disable next-line Regex: an error reply starts with its code, and no reply our commands can get names one of these codes later in its text
const UNWRITABLE = /^(OOM|READONLY|LOADING|MISCONF|MASTERDOWN|BUSY)\b/;
/** A plain client: no modules, scripts or functions, RESP2. */
type Client = RedisClientType<{}, {}, {}, 2, {}>;

/** Every key of one caller (namespace and key digest) starts with this. */
const scoped = (scope: string) => `${PREFIX}:${digest(scope)}`;
const memoryScope = (scope: MemoryScope) => scoped(`${scope.namespace}|${scope.credential}`);

export interface RedisStateOptions {
  /** The duplicate window (MIXPEEK_DEDUPE_WINDOW_MS). */
  windowMs: number;
  /** The API timeout: a call in flight is waited for this long plus 5 s. */
  timeoutMs: number;
  /** The local audit file, still written next to the stream. */
  audit: AuditLog;
  logger: Logger;
  /** Override of how long an identical call waits for one in flight (tests). */
  waitMs?: number;
}

/** The client and what every piece needs from it: fail-fast commands and outage reporting. */
class Connection {
  private reachable = true;
  constructor(readonly client: Client, private readonly where: string, private readonly logger: Logger) {
    client.on("error", (error: Error) => this.down(error.message));
    client.on("ready", () => {
      if (!this.reachable) logger.info(`Redis at ${where} is reachable again: changes are accepted.`);
      this.reachable = true;
    });
  }

  assertReady(): void {
    if (!this.client.isReady) throw new SharedStateUnavailable(`Redis at ${this.where} is unreachable`);
  }

  down(reason: string): void {
    if (this.reachable) this.logger.warn(`Redis at ${this.where} is unreachable (${reason}): changes are refused until it is back; reads go on.`);
    this.reachable = false;
  }

  /** Runs a command; an unreachable Redis, or one that does not answer within COMMAND_TIMEOUT_MS,
   * becomes SharedStateUnavailable. (The client's own command timeout ends only the wait to
   * write a command, not the wait for its answer: a Redis that hangs would hang the call.) */
  async run<T>(command: (client: Client) => Promise<T>): Promise<T> {
    this.assertReady();
    try {
      return await within(command(this.client), COMMAND_TIMEOUT_MS);
    } catch (error) {
      const message = (error as Error).message;
      // Redis answered: a bug of ours, unless it says it cannot take writes now.
      if (error instanceof ErrorReply && !UNWRITABLE.test(message)) throw error;
      throw new SharedStateUnavailable(`Redis at ${this.where} ${error instanceof ErrorReply ? "refused the write" : "did not answer"} (${message})`);
    }
  }

  warn(message: string): void { this.logger.warn(message); }
}

/** `answer`, or a rejection if it has not settled within `ms`. */
function within<T>(answer: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  // Stryker disable next-line ArrowFunction: clearing only frees the timer early; the race has settled and its late rejection is handled
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/** The settled value of a duplicate-window key; a claim in flight holds its owner's id instead. */
const DONE = "D";
/** Replaces the owner's claim by its outcome (kept for the window) or, with no outcome, removes it. */
const SETTLE = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`;

/** The duplicate window across replicas: the first call claims the key (SET NX) and sends; an
 * identical call anywhere waits for its outcome, or, after the wait, says it is unknown. */
class RedisMutations implements MutationWindow {
  /** A claim outlives the slowest call it may cover, so a second copy is never sent beside it. */
  private readonly claimMs: number;
  constructor(private readonly redis: Connection, readonly windowMs: number, private readonly waitMs: number, timeoutMs: number) {
    this.claimMs = Math.max(windowMs, 10 * timeoutMs);
  }

  key(tool: string, scope: string, args: Record<string, unknown>): string {
    return `${scoped(scope)}:dedupe:${tool}:${digest(args)}`;
  }

  async once(key: string, send: () => Promise<Settled>): Promise<Shared> {
    const owner = `P${randomUUID()}`;
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const claimed = await this.redis.run((c) => c.set(key, owner, { condition: "NX", expiration: { type: "PX", value: this.claimMs } }));
      if (claimed === "OK") return { reply: await this.settle(key, owner, send) };
      for (;;) {
        const value = await this.redis.run((c) => c.get(key));
        if (value === null) break; // the first call changed nothing: this one may send
        if (value.startsWith(DONE)) return { reply: JSON.parse(value.slice(DONE.length)) as Settled["reply"] };
        // Stryker disable next-line EqualityOperator: the same up to one poll (25 ms) on a wait of seconds
        if (Date.now() >= deadline) return { stillInFlight: true };
        await sleep(POLL_MS);
      }
    }
  }

  private async settle(key: string, owner: string, send: () => Promise<Settled>): Promise<Settled["reply"]> {
    let settled: Settled;
    try {
      settled = await send();
    } catch (error) {
      await this.record(key, owner, "");
      throw error;
    }
    await this.record(key, owner, settled.keep ? `${DONE}${JSON.stringify(settled.reply)}` : "");
    return settled.reply;
  }

  /** The outcome for identical calls; if Redis is gone by now they wait out the claim instead. */
  private async record(key: string, owner: string, value: string): Promise<void> {
    await this.redis.run((c) => c.eval(SETTLE, { keys: [key], arguments: [owner, value, String(this.windowMs)] })).catch((error: unknown) => {
      this.redis.warn(`the outcome of a change could not be shared (${(error as Error).message}); an identical call will be answered "outcome unknown" until its claim expires`);
    });
  }
}

/** Used confirmation tokens, one key each until the token expires: SET NX lets only one use win. */
class RedisUsedTokens implements UsedTokens {
  constructor(private readonly redis: Connection) {}

  async use(scope: string, id: string, expiresAt: number): Promise<Verdict> {
    // Stryker disable next-line StringLiteral: the key's value is never read, only whether SET NX created it
    const set = await this.redis.run((c) => c.set(`${scoped(scope)}:token:${id}`, "1", { condition: "NX", expiration: { type: "PXAT", value: expiresAt } }));
    return set === "OK" ? { ok: true } : { ok: false, reason: "the confirm_token was already used." };
  }
}

/** Incident memory: a bounded list per batch and per caller, expiring after the horizon; every
 * entry is also appended to the local audit file and to the audit stream. */
class RedisIncidents implements IncidentRecord {
  constructor(private readonly redis: Connection, private readonly audit: AuditLog) {}

  async append(entry: AuditEntry): Promise<void> {
    this.audit.append(entry);
    const line = auditLine(entry);
    // Stryker disable next-line StringLiteral: the audit stage always sets credential (the type allows old file entries without it)
    const base = memoryScope({ namespace: entry.namespace, credential: entry.credential ?? "" });
    const push = (multi: ReturnType<Client["multi"]>, key: string, length: number) =>
      multi.lPush(key, line).lTrim(key, 0, length - 1).pExpire(key, HORIZON_MS);
    await this.redis.run(async (c) => {
      const multi = push(c.multi(), `${base}:recent`, RECENT).xAdd(AUDIT_STREAM, "*", { entry: line }, AUDIT_TRIM);
      if (isAction(entry)) push(multi, `${base}:actions:${digest(entry.arguments["batch_id"])}`, PER_BATCH);
      await multi.exec();
    }).catch((error: unknown) => {
      this.redis.warn(`${entry.tool} was recorded in the audit file but not in Redis (${(error as Error).message}): other replicas will not see it in recent_actions`);
    });
  }

  async recent(scope: MemoryScope, limit = RECENT): Promise<AuditEntry[]> {
    return this.read(`${memoryScope(scope)}:recent`, Math.min(limit, RECENT));
  }

  async forBatch(batchId: string, scope: MemoryScope): Promise<RecentAction[]> {
    return actionsOn(batchId, await this.read(`${memoryScope(scope)}:actions:${digest(batchId)}`, PER_BATCH), Date.now());
  }

  private async read(key: string, limit: number): Promise<AuditEntry[]> {
    const lines = await this.redis.run((c) => c.lRange(key, 0, limit - 1));
    return lines.map((line) => JSON.parse(line) as AuditEntry);
  }
}

/** Counts a call on every counter (a sorted set of call ids by time), or on none if one is full;
 * answers [0] or [index of the full counter, its count, its oldest time]. Times are Redis's own. */
const RESERVE = `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local window = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local used = redis.call('ZCARD', key)
  if used >= tonumber(ARGV[2 + i]) then
    return {i, used, redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, window)
end
return {0}`;
/** Each counter's count in the window and its oldest time ('' when empty). */
const USAGE = `local t = redis.call('TIME')
local since = '(' .. (t[1] * 1000 + math.floor(t[2] / 1000) - tonumber(ARGV[1]))
local out = {}
for i, key in ipairs(KEYS) do
  local oldest = redis.call('ZRANGEBYSCORE', key, since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  out[i] = {redis.call('ZCOUNT', key, since, '+inf'), oldest[2] or ''}
end
return out`;

/** Mutation budgets, one sorted set per counter, expiring with the window. */
class RedisBudgets implements BudgetLedger {
  readonly windowMs = BUDGET_WINDOW_MS;
  constructor(private readonly redis: Connection) {}

  async reserve(scope: string, counters: readonly Counter[], id: string): Promise<CounterUsage | undefined> {
    const keys = counters.map((counter) => `${scoped(scope)}:${counter.key}`);
    const answer = await this.redis.run((c) => c.eval(RESERVE, { keys, arguments: [String(this.windowMs), id, ...counters.map((k) => String(k.limit))] })) as [number, number?, string?];
    const [index, used, oldest] = answer;
    return index === 0 ? undefined : { counter: counters[index - 1]!, used: Number(used), oldest: Number(oldest) };
  }

  async release(scope: string, counters: readonly Counter[], id: string): Promise<void> {
    await this.redis.run(async (c) => {
      const multi = c.multi();
      for (const counter of counters) multi.zRem(`${scoped(scope)}:${counter.key}`, id);
      await multi.exec();
    });
  }

  async usage(scope: string, counters: readonly Counter[]): Promise<CounterUsage[]> {
    const keys = counters.map((counter) => `${scoped(scope)}:${counter.key}`);
    const rows = await this.redis.run((c) => c.eval(USAGE, { keys, arguments: [String(this.windowMs)] })) as [number, string][];
    return counters.map((counter, i) => ({ counter, used: Number(rows[i]![0]), oldest: rows[i]![1] ? Number(rows[i]![1]) : undefined }));
  }
}

export class RedisState implements SharedState {
  readonly mutations: MutationWindow;
  readonly usedTokens: UsedTokens;
  readonly memory: IncidentRecord;
  readonly budgets: BudgetLedger;

  private constructor(private readonly redis: Connection, options: RedisStateOptions) {
    this.mutations = new RedisMutations(redis, options.windowMs, options.waitMs ?? options.timeoutMs + 5_000, options.timeoutMs);
    this.usedTokens = new RedisUsedTokens(redis);
    this.memory = new RedisIncidents(redis, options.audit);
    this.budgets = new RedisBudgets(redis);
  }

  /** Connects in the background: a replica starts, and serves reads, while Redis is down. */
  static async open(url: string, options: RedisStateOptions): Promise<RedisState> {
    const client = createClient({
      url,
      // Stryker disable next-line BooleanLiteral: run() refuses before any command while the client is not ready, so nothing reaches an offline queue
      disableOfflineQueue: true,
      // Stryker disable next-line ObjectLiteral: this bounds only the wait to write a command, which run() bounds too (with the wait for the answer)
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      socket: { connectTimeout: COMMAND_TIMEOUT_MS, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000) },
    });
    const state = new RedisState(new Connection(client, where(url), options.logger), options);
    const ready = new Promise<void>((resolve) => { client.once("ready", resolve); });
    // Stryker disable next-line ArrowFunction: the client's "error" event reports the same failure to down()
    client.connect().catch((error: unknown) => state.redis.down((error as Error).message));
    await Promise.race([ready, sleep(FIRST_CONNECT_MS)]);
    return state;
  }

  assertWritable(): void { this.redis.assertReady(); }

  async health() {
    const reachable = await this.redis.run((c) => c.ping()).then(() => true, () => false);
    return { store: "redis" as const, reachable };
  }

  async close(): Promise<void> {
    const { client } = this.redis;
    if (client.isReady) await client.close().catch(() => client.destroy());
    else if (client.isOpen) client.destroy();
  }
}

/** Host and port of a Redis URL, for messages: never its password. */
function where(url: string): string {
  try { return new URL(url).host || "(the configured URL)"; } catch { return "(the configured URL)"; }
}
