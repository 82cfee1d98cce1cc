// What happened on the wire during one tool call, collected without threading it through every
// tool: the server opens a trace around the handler; the client records request ids, the answer
// shapes the tolerant readers met (for the debug log) and notes the result must carry (an
// answer that could not be read). Observers (metrics, traces) are told of every request sent.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Operation } from "./operations.js";

export interface Trace {
  requestIds: string[];
  /** Which plausible form of a guessed answer was seen, e.g. `documents under "items"`. */
  shapes: Set<string>;
  /** Facts the agent must be told, e.g. that a write was answered with an empty body. */
  notes: string[];
  /** Texts that must never appear in anything this call answers (the API key). */
  secrets: readonly string[];
}

const current = new AsyncLocalStorage<Trace>();

export async function traceRequests<T>(fn: () => Promise<T>, secrets: readonly string[] = []): Promise<{ result: T } & Trace> {
  const trace: Trace = { requestIds: [], shapes: new Set(), notes: [], secrets };
  const result = await current.run(trace, fn);
  return { result, ...trace };
}

export function recordRequestId(id: string | undefined): void {
  if (id) current.getStore()?.requestIds.push(id);
}

export function recordShape(shape: string): void {
  current.getStore()?.shapes.add(shape);
}

export function recordNote(note: string): void {
  const notes = current.getStore()?.notes;
  if (notes && !notes.includes(note)) notes.push(note);
}

/** The trace of the tool call in progress, if any. */
export const currentTrace = (): Trace | undefined => current.getStore();

/** One request to the API as observers see it: the operation's name (never its path or
 * arguments) and how it ended: the HTTP status, or "timeout", or "network" (no answer: the
 * connection failed or the call was cancelled). */
export interface ApiExchange {
  operation: Operation;
  status: number | "timeout" | "network";
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  requestId: string | undefined;
}

export type ApiObserver = (exchange: ApiExchange) => void;

const observers = new AsyncLocalStorage<readonly ApiObserver[]>();

/** Runs `fn` with `observer` told of every API request it makes, besides any outer observer. */
export function observeRequests<T>(observer: ApiObserver, fn: () => Promise<T>): Promise<T> {
  return observers.run([...(observers.getStore() ?? []), observer], fn);
}

export function recordExchange(exchange: ApiExchange): void {
  for (const observer of observers.getStore() ?? []) observer(exchange);
}
