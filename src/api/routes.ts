// Building and matching the paths of the operation table (operations.ts): the client builds
// URLs with it and the emulator routes with it, so the two cannot disagree on a path.
import { OPERATIONS, type Operation } from "./operations.js";

/** Path parameters named in a route template, e.g. "bucket" | "batch_id". */
type ParamsOf<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParamsOf<Rest>
  : never;
export type RouteParams<O extends Operation> = Record<ParamsOf<(typeof OPERATIONS)[O]["path"]>, string | number>;

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
  return OPERATIONS[operation].path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`buildPath(${operation}): missing ${name}`);
    return encodeSegment(name, value);
  });
}

/** Matches a raw request path against the table; returns decoded parameters. Used by the
 * emulator; segments are split before decoding, so an encoded "/" stays inside its segment. */
export function matchRoute(method: string, rawPath: string): { operation: Operation; params: Record<string, string> } | undefined {
  const actual = rawPath.split("/");
  for (const [operation, route] of Object.entries(OPERATIONS) as [Operation, (typeof OPERATIONS)[Operation]][]) {
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
