// Collects the request ids of the API calls made inside one tool call, without threading them
// through every tool: the server opens a trace around the handler, the client records into it.
import { AsyncLocalStorage } from "node:async_hooks";

const current = new AsyncLocalStorage<string[]>();

export async function traceRequests<T>(fn: () => Promise<T>): Promise<{ result: T; requestIds: string[] }> {
  const requestIds: string[] = [];
  const result = await current.run(requestIds, fn);
  return { result, requestIds };
}

export function recordRequestId(id: string | undefined): void {
  if (id) current.getStore()?.push(id);
}
