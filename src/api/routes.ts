// The API routes we use, in one table shared by the client (to build URLs) and the emulator
// (to match them), so the two cannot disagree on a path. `reads` marks the operations that
// change nothing, whatever their method (listing batches is a POST): only those are retried.
// `namespaced: false` marks the routes that take no X-Namespace (tasks are looked up by id).
// What each operation's path, query and body hold is in requests.ts.

export const ROUTES = {
  listBatches: { method: "POST", path: "/v1/buckets/{bucket}/batches/list", reads: true },
  getBatch: { method: "GET", path: "/v1/buckets/{bucket}/batches/{batch_id}", reads: true },
  diagnoseBatch: { method: "GET", path: "/v1/buckets/{bucket}/batches/{batch_id}/diagnose", reads: true },
  listFailedDocuments: { method: "GET", path: "/v1/buckets/{bucket}/batches/{batch_id}/failed-documents", reads: true },
  getBatchLogs: { method: "GET", path: "/v1/buckets/{bucket}/batches/{batch_id}/logs", reads: true },
  retryDocuments: { method: "POST", path: "/v1/buckets/{bucket}/batches/{batch_id}/retry" },
  retryTier: { method: "POST", path: "/v1/buckets/{bucket}/batches/{batch_id}/tiers/{tier_num}/retry" },
  healTier: { method: "POST", path: "/v1/buckets/{bucket}/batches/{batch_id}/tiers/{tier_num}/heal" },
  cancelTier: { method: "POST", path: "/v1/buckets/{bucket}/batches/{batch_id}/tiers/{tier_num}/cancel" },
  cancelJob: {
    method: "POST",
    path: "/v1/buckets/{bucket}/batches/{batch_id}/tiers/{tier_num}/jobs/{ray_job_id}/cancel",
  },
  cancelBatch: { method: "POST", path: "/v1/buckets/{bucket}/batches/{batch_id}/cancel" },
  resubmitBatch: { method: "POST", path: "/v1/buckets/{bucket}/batches/{batch_id}/resubmit" },
  getTask: { method: "GET", path: "/v1/tasks/{task_id}", reads: true, namespaced: false },
  triggerCollection: { method: "POST", path: "/v1/collections/{collection}/trigger" },
  confirmUploads: { method: "POST", path: "/v1/buckets/{bucket}/uploads/confirm/batch" },
} as const satisfies Record<string, { method: "GET" | "POST"; path: string; reads?: true; namespaced?: false }>;

export type Operation = keyof typeof ROUTES;

/** Whether an operation only reads, so resending it is always safe. */
export const isRead = (operation: Operation): boolean => "reads" in ROUTES[operation];
/** Whether an operation is scoped by namespace (sent X-Namespace). */
export const isNamespaced = (operation: Operation): boolean => !("namespaced" in ROUTES[operation]);

/** Path parameters named in a route template, e.g. "bucket" | "batch_id". */
type ParamsOf<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParamsOf<Rest>
  : never;
export type RouteParams<O extends Operation> = Record<ParamsOf<(typeof ROUTES)[O]["path"]>, string | number>;

/** Thrown for an id the API could never route: empty, "." or "..". */
export class InvalidPathSegmentError extends Error {
  constructor(readonly param: string, readonly value: string, reason = 'ids "", "." and ".." cannot be sent as a URL path segment') {
    super(`Invalid ${param} ${JSON.stringify(value)}: ${reason}.`);
    this.name = "InvalidPathSegmentError";
  }
}

/** One percent-encoded path segment. "." and ".." are refused because URL parsers collapse
 * them even when percent-encoded, which would send the request to another route. */
export function encodeSegment(param: string, value: string | number): string {
  const text = String(value);
  if (text === "" || text === "." || text === "..") throw new InvalidPathSegmentError(param, text);
  // encodeURIComponent leaves !'()* as is; they are legal in a segment and change no routing.
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone UTF-16 surrogate has no UTF-8 form: encodeURIComponent throws URIError.
    throw new InvalidPathSegmentError(param, text, "an id that is not well-formed Unicode cannot be percent-encoded");
  }
}

export function buildPath<O extends Operation>(operation: O, params: RouteParams<O>): string {
  const values = params as Record<string, string | number>;
  return ROUTES[operation].path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`buildPath(${operation}): missing ${name}`);
    return encodeSegment(name, value);
  });
}

/** Matches a raw request path against the table; returns decoded parameters. Used by the
 * emulator; segments are split before decoding, so an encoded "/" stays inside its segment. */
export function matchRoute(method: string, rawPath: string): { operation: Operation; params: Record<string, string> } | undefined {
  const actual = rawPath.split("/");
  for (const [operation, route] of Object.entries(ROUTES) as [Operation, (typeof ROUTES)[Operation]][]) {
    if (route.method !== method) continue;
    const expected = route.path.split("/");
    if (expected.length !== actual.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < expected.length && ok; i++) {
      const want = expected[i]!;
      const got = actual[i]!;
      const name = /^\{(\w+)\}$/.exec(want)?.[1];
      if (name) {
        try { params[name] = decodeURIComponent(got); } catch { ok = false; }
        if (got === "") ok = false;
      } else ok = want === got;
    }
    if (ok) return { operation, params };
  }
  return undefined;
}
