// What happened on the wire during one tool call, collected without threading it through every
// tool: the server opens a trace around the handler; the client records request ids, the answer
// shapes the tolerant readers met (for the debug log) and notes the result must carry (an
// answer that could not be read).
import { AsyncLocalStorage } from "node:async_hooks";

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
