// Budgets on mutations: at most N changes per batch and M per credential (namespace + key) in
// any sliding hour, so an agent stuck in a loop cannot retry a tier fifty times. A call takes a
// slot before it is sent and gives it back if it changed nothing (a plan shown, a refusal, an
// error before sending); a call that may have applied keeps its slot for the window.
import type { BudgetLimits } from "../cli/config.js";
import { digest } from "./confirm.js";

export const BUDGET_WINDOW_MS = 3_600_000;

/** One sliding-window count: `key` is unique within a scope (namespace and key digest). */
export interface Counter { scope: "batch" | "credential"; key: string; limit: number }

/** A counter's state: `oldest` is when its oldest counted call was made (ms), if any. */
export interface CounterUsage { counter: Counter; used: number; oldest: number | undefined }

/** Where the counts live: this process (LocalBudgets) or Redis (redis-state.ts). */
export interface BudgetLedger {
  readonly windowMs: number;
  /** Counts call `id` on every counter, or on none and returns the first counter that is full. */
  reserve(scope: string, counters: readonly Counter[], id: string): Promise<CounterUsage | undefined>;
  /** Gives back the slots `reserve` took for `id`. */
  release(scope: string, counters: readonly Counter[], id: string): Promise<void>;
  usage(scope: string, counters: readonly Counter[]): Promise<CounterUsage[]>;
}

/** The counters a call on `batchId` (if it names one) draws on; a limit of 0 is no counter. */
export function countersFor(limits: BudgetLimits, batchId: unknown): Counter[] {
  return [
    ...(limits.perBatch > 0 && typeof batchId === "string" ? [{ scope: "batch" as const, key: `budget:batch:${digest(batchId)}`, limit: limits.perBatch }] : []),
    ...(limits.perCredential > 0 ? [{ scope: "credential" as const, key: "budget:credential", limit: limits.perCredential }] : []),
  ];
}

/** Windows tracked at most; past it, those whose calls all left the window are dropped, then the
 * first created (only a process serving that many batches in an hour loses counts). */
const MAX_WINDOWS = 10_000;

export class LocalBudgets implements BudgetLedger {
  /** Per scope and counter key: call id → when it was counted. */
  private readonly windows = new Map<string, Map<string, number>>();
  constructor(readonly windowMs = BUDGET_WINDOW_MS, private readonly now: () => number = Date.now) {}

  async reserve(scope: string, counters: readonly Counter[], id: string): Promise<CounterUsage | undefined> {
    const full = counters.map((counter) => this.read(scope, counter)).find((u) => u.used >= u.counter.limit);
    if (full) return full;
    const at = this.now();
    for (const counter of counters) this.window(scope, counter).set(id, at);
    this.bound();
    return undefined;
  }

  async release(scope: string, counters: readonly Counter[], id: string): Promise<void> {
    for (const counter of counters) this.windows.get(`${scope}\u0000${counter.key}`)?.delete(id);
  }

  async usage(scope: string, counters: readonly Counter[]): Promise<CounterUsage[]> {
    return counters.map((counter) => this.read(scope, counter));
  }

  private read(scope: string, counter: Counter): CounterUsage {
    const calls = this.window(scope, counter);
    const since = this.now() - this.windowMs;
    for (const [id, at] of calls) if (at <= since) calls.delete(id);
    const oldest = calls.values().next();
    return { counter, used: calls.size, oldest: oldest.done ? undefined : oldest.value };
  }

  private window(scope: string, counter: Counter): Map<string, number> {
    const key = `${scope}\u0000${counter.key}`;
    let calls = this.windows.get(key);
    if (!calls) this.windows.set(key, calls = new Map());
    return calls;
  }

  private bound(): void {
    // Stryker disable next-line EqualityOperator,ConditionalExpression: pruning more often drops only windows whose calls all left the window, which read() would not count anyway (a cost, not a behaviour)
    if (this.windows.size <= MAX_WINDOWS) return;
    const since = this.now() - this.windowMs;
    for (const [key, calls] of this.windows) if (![...calls.values()].some((at) => at > since)) this.windows.delete(key);
    for (const key of this.windows.keys()) {
      if (this.windows.size <= MAX_WINDOWS) break;
      this.windows.delete(key);
    }
  }
}

/** When a full counter frees a slot: its oldest call leaves the window. */
export const freesAt = (usage: CounterUsage, windowMs: number): number | undefined =>
  usage.oldest === undefined ? undefined : usage.oldest + windowMs;
