// A mutating call repeated with the same arguments (in the same namespace) within a window is
// answered from the first call and not sent again: agents in an incident loop repeat themselves.
// Calls in flight are shared too, so two identical concurrent calls send one request.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { digest } from "./confirm.js";

interface Entry { expires: number; reply: Promise<CallToolResult> }

/** What a call that may have changed something reports when it settles. */
export interface Settled { reply: CallToolResult; keep: boolean }

/** The first identical call's reply; or, when one is still running elsewhere past the wait,
 * nothing: its outcome is unknown here. */
export type Shared = { reply: CallToolResult } | { stillInFlight: true };

/** Where the window lives: this process (RecentMutations) or Redis (redis-state.ts). */
export interface MutationWindow {
  readonly windowMs: number;
  key(tool: string, scope: string, args: Record<string, unknown>): string;
  /** Runs `send` unless an identical call is in flight or settled within the window; then
   * answers with that call's reply instead, and `send` is never run. */
  once(key: string, send: () => Promise<Settled>): Promise<Shared>;
}

/** Settled calls remembered at most; past it the oldest are forgotten first (a repeat of one of
 * them is then sent again, as after the window). Calls in flight are never forgotten: their
 * number is bounded by the connections and requests a server takes at once. */
export const MAX_REMEMBERED = 1_000;

export class RecentMutations implements MutationWindow {
  private readonly entries = new Map<string, Entry>();
  constructor(readonly windowMs: number, private readonly now: () => number = Date.now, readonly capacity = MAX_REMEMBERED) {}

  key(tool: string, namespace: string, args: Record<string, unknown>): string {
    return `${namespace}\u0000${tool}\u0000${digest(args)}`;
  }

  get(key: string): Promise<CallToolResult> | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.now()) return entry.reply;
    this.entries.delete(key);
    return undefined;
  }

  async once(key: string, send: () => Promise<Settled>): Promise<Shared> {
    return { reply: await (this.get(key) ?? this.track(key, send())) };
  }

  /** Shares `reply` with identical calls until it settles; keeps it for the window only if
   * `keep` says the call changed something (or may have). */
  track(key: string, reply: Promise<Settled>): Promise<CallToolResult> {
    const shared = reply.then((r) => r.reply);
    if (this.windowMs <= 0) return shared;
    this.prune();
    this.entries.set(key, { expires: Number.POSITIVE_INFINITY, reply: shared });
    void reply.then(
      ({ keep }) => { if (keep) this.entries.set(key, { expires: this.now() + this.windowMs, reply: shared }); else this.entries.delete(key); },
      () => { this.entries.delete(key); },
    );
    return shared;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
    // Oldest first (insertion order), so the calls forgotten are those closest to expiring.
    for (const [key, entry] of this.entries) {
      if (this.entries.size < this.capacity) break;
      if (entry.expires !== Number.POSITIVE_INFINITY) this.entries.delete(key);
    }
  }
}

/** The first call's reply, marked so the agent knows nothing was sent this time. */
export function asDeduplicated(reply: CallToolResult, windowMs: number): CallToolResult {
  const note = `Deduplicated: the same call was made within the last ${Math.round(windowMs / 1000)} s; this is its result, nothing was sent again.`;
  const content = [{ type: "text" as const, text: note }, ...reply.content];
  return reply.structuredContent
    ? { ...reply, content, structuredContent: { ...reply.structuredContent, deduplicated: true } }
    : { ...reply, content };
}
