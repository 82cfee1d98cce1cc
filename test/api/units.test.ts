// Pure pieces of the client: path encoding, route matching, error mapping, Retry-After.
import { describe, expect, it } from "vitest";
import { AuthenticationError, NotFoundError, RateLimitError, ServerError, ValidationError, errorFromResponse, parseRetryAfter } from "../../src/api/errors.js";
import { InvalidPathSegmentError, ROUTES, buildPath, encodeSegment, matchRoute, type Operation } from "../../src/api/routes.js";

describe("routes", () => {
  it.each([["../x", "..%2Fx"], ["a/b", "a%2Fb"], ["x?y=1", "x%3Fy%3D1"], ["%2e%2e", "%252e%252e"], ["a#b", "a%23b"], ["é", "%C3%A9"], ["a b", "a%20b"]])(
    "encodes %s as one segment", (raw, encoded) => { expect(encodeSegment("batch_id", raw)).toBe(encoded); });

  it.each(["", ".", ".."])("refuses %j", (raw) => { expect(() => encodeSegment("batch_id", raw)).toThrow(InvalidPathSegmentError); });

  it("round-trips every route through matchRoute, hostile ids included", () => {
    for (const operation of Object.keys(ROUTES) as Operation[]) {
      const params = { bucket: "a/b", batch_id: "../x", tier_num: 2, ray_job_id: "x?y=1", task_id: "t#1", collection: "c d" };
      const path = buildPath(operation, params as never);
      const match = matchRoute(ROUTES[operation].method, path)!;
      expect(match.operation).toBe(operation);
      for (const [name, value] of Object.entries(match.params)) expect(value).toBe(String((params as Record<string, unknown>)[name]));
    }
  });

  it("does not match an id-shaped path to another route", () => {
    expect(matchRoute("GET", "/v1/buckets/b/batches/x/y")).toBeUndefined();
    expect(matchRoute("POST", "/v1/buckets/b/batches/list")!.operation).toBe("listBatches");
  });
});

describe("errors", () => {
  it("maps statuses to classes with type, request id and retryability", () => {
    const body = { success: false, status: 404, error: { type: "NotFoundError", message: "Batch not found", details: { resource: "batch" } } };
    const notFound = errorFromResponse(404, body, { operation: "getBatch", requestId: "req_1" });
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect(notFound).toMatchObject({ errorType: "NotFoundError", requestId: "req_1", retryable: false, message: "Batch not found" });
    expect(errorFromResponse(401, undefined, { operation: "x" })).toBeInstanceOf(AuthenticationError);
    expect(errorFromResponse(503, undefined, { operation: "x" })).toMatchObject({ retryable: true });
    expect(errorFromResponse(500, undefined, { operation: "x" })).toBeInstanceOf(ServerError);
    expect(errorFromResponse(429, undefined, { operation: "x", retryAfterMs: 2000 })).toMatchObject({ retryAfterMs: 2000 });
    expect(errorFromResponse(429, undefined, { operation: "x" })).toBeInstanceOf(RateLimitError);
  });

  it("reads both 422 shapes", () => {
    const envelope = { success: false, status: 422, error: { type: "ValidationError", message: "Validation error", details: { validation_errors: [{ type: "int", location: ["body", "limit"], message: "too big" }] } } };
    const fastapi = { detail: [{ loc: ["body", "retry_mode"], msg: "bad enum", type: "enum" }] };
    const a = errorFromResponse(422, envelope, { operation: "x" }) as ValidationError;
    const b = errorFromResponse(422, fastapi, { operation: "x" }) as ValidationError;
    expect(a.fieldErrors).toEqual([{ location: ["body", "limit"], message: "too big", type: "int" }]);
    expect(b.message).toBe("Validation error: body.retry_mode: bad enum");
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
