// errorFromResponse and parseRetryAfter: one class per status, the request id and the API's
// error type carried through, retryable only where retrying can help, 422 in both shapes.
import { describe, expect, it } from "vitest";
import {
  AuthenticationError, BadRequestError, ConflictError, MixpeekApiError, NotFoundError, PermissionDeniedError,
  RateLimitError, ServerError, TimeoutError, ValidationError, errorFromResponse, parseRetryAfter,
} from "../../src/api/errors.js";

const envelope = (status: number, type: string, message: string, details: Record<string, unknown> | null = null) =>
  ({ success: false, status, error: { type, message, details } });
const context = { requestId: "req_abc123", operation: "getBatch" };

describe("errorFromResponse: one class per status", () => {
  it.each([
    [400, "BadRequestError", BadRequestError, false],
    [401, "UnauthorizedError", AuthenticationError, false],
    [403, "ForbiddenError", PermissionDeniedError, false],
    [404, "NotFoundError", NotFoundError, false],
    [408, "TimeoutError", TimeoutError, true],
    [409, "AlreadyExistsError", ConflictError, false],
    [429, "TooManyRequestsError", RateLimitError, true],
    [500, "InternalServerError", ServerError, true],
    [502, "BadGatewayError", ServerError, true],
    [503, "UnavailableError", ServerError, true],
    [504, "TimeoutError", ServerError, true],
  ] as const)("HTTP %i (%s) → %o", (status, type, kind, retryable) => {
    const error = errorFromResponse(status, envelope(status, type, `The ${type} message`, { resource: "batch" }), context);
    expect(error).toBeInstanceOf(kind);
    expect(error).toBeInstanceOf(MixpeekApiError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: kind.name, status, errorType: type, requestId: "req_abc123", operation: "getBatch", retryable,
      message: `The ${type} message`, details: { resource: "batch" },
    });
  });

  it("treats a 408 as a timeout whose outcome is known (the server said so)", () => {
    const error = errorFromResponse(408, undefined, context) as TimeoutError;
    expect(error.outcomeUnknown).toBe(false);
  });

  it.each([410, 413, 418])("maps other 4xx (%i) to a non-retryable BadRequestError", (status) => {
    const error = errorFromResponse(status, undefined, context);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(status);
  });

  it("falls back to the status when the body is not an envelope", () => {
    for (const body of [undefined, null, "oops", { message: "not an envelope" }, [1, 2]]) {
      const error = errorFromResponse(500, body, { operation: "listBatches" });
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ message: "HTTP 500", errorType: undefined, requestId: undefined, details: undefined });
    }
  });

  it("tolerates an envelope with null or missing fields", () => {
    const error = errorFromResponse(404, { error: { type: null, message: null } }, context);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ message: "HTTP 404", errorType: undefined, requestId: "req_abc123" });
  });

  it("carries Retry-After on a 429", () => {
    const error = errorFromResponse(429, envelope(429, "TooManyRequestsError", "Slow down", { api_name: "batches" }), { ...context, retryAfterMs: 7000 });
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(7000);
    expect(error.details).toEqual({ api_name: "batches" });
    expect((errorFromResponse(429, undefined, context) as RateLimitError).retryAfterMs).toBeUndefined();
  });
});

describe("errorFromResponse: validation errors in both shapes", () => {
  const mixpeek = envelope(422, "ValidationError", "Validation error", {
    validation_errors: [
      { type: "string_type", location: ["body", "collection_name"], message: "Input should be a valid string" },
      { type: "less_than_equal", location: ["body", "limit"], message: "Input should be less than or equal to 1000" },
    ],
  });
  const fastapi = {
    detail: [
      { loc: ["body", "retry_mode"], msg: "Input should be 'transient_only' or 'all'", type: "enum" },
      { loc: ["body", "tier_nums", 0], msg: "Input should be a valid integer", type: "int_parsing" },
    ],
  };

  it("reads the Mixpeek envelope's details.validation_errors", () => {
    const error = errorFromResponse(422, mixpeek, context);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 422, errorType: "ValidationError", requestId: "req_abc123", retryable: false });
    expect((error as ValidationError).fieldErrors).toEqual([
      { location: ["body", "collection_name"], message: "Input should be a valid string", type: "string_type" },
      { location: ["body", "limit"], message: "Input should be less than or equal to 1000", type: "less_than_equal" },
    ]);
    expect(error.message).toBe("Validation error: body.collection_name: Input should be a valid string; body.limit: Input should be less than or equal to 1000");
  });

  it("reads FastAPI's detail[]", () => {
    const error = errorFromResponse(422, fastapi, context);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ status: 422, errorType: "ValidationError", requestId: "req_abc123", retryable: false });
    expect((error as ValidationError).fieldErrors).toEqual([
      { location: ["body", "retry_mode"], message: "Input should be 'transient_only' or 'all'", type: "enum" },
      { location: ["body", "tier_nums", 0], message: "Input should be a valid integer", type: "int_parsing" },
    ]);
    expect(error.message).toMatch(/body\.retry_mode: Input should be 'transient_only' or 'all'/);
    expect(error.message).toMatch(/body\.tier_nums\.0: Input should be a valid integer/);
  });

  it("keeps a specific API message and tolerates a 422 with no field list", () => {
    const specific = errorFromResponse(422, envelope(422, "ValidationError", "limit is too large"), context);
    expect(specific).toBeInstanceOf(ValidationError);
    expect(specific.message).toBe("limit is too large");
    expect((specific as ValidationError).fieldErrors).toEqual([]);
    const bare = errorFromResponse(422, undefined, context);
    expect(bare).toBeInstanceOf(ValidationError);
    expect(bare.message).toBe("Validation error");
    expect((bare as ValidationError).fieldErrors).toEqual([]);
  });

  it("skips malformed entries in validation_errors", () => {
    const error = errorFromResponse(422, envelope(422, "ValidationError", "Validation error", {
      validation_errors: ["nonsense", null, { message: "no location" }, { location: ["query", "limit"], message: "too big" }],
    }), context) as ValidationError;
    expect(error.fieldErrors).toEqual([
      { location: [], message: "no location", type: undefined },
      { location: ["query", "limit"], message: "too big", type: undefined },
    ]);
  });

  it("treats a 400 in either validation shape as a ValidationError, and a plain 400 as BadRequestError", () => {
    expect(errorFromResponse(400, fastapi, context)).toBeInstanceOf(ValidationError);
    expect(errorFromResponse(400, { ...mixpeek, status: 400 }, context)).toBeInstanceOf(ValidationError);
    const plain = errorFromResponse(400, envelope(400, "BadRequestError", "Batch is COMPLETED; nothing to cancel"), context);
    expect(plain).toBeInstanceOf(BadRequestError);
    expect(plain).not.toBeInstanceOf(ValidationError);
    expect(plain.message).toBe("Batch is COMPLETED; nothing to cancel");
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");

  it("reads delay-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("1.5", now)).toBe(1500);
  });

  it("reads an HTTP-date relative to now, never negative", () => {
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:28:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:30:00 GMT", now)).toBe(120_000);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:27:00 GMT", now)).toBe(0);
  });

  it("defaults now to the current time", () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const ms = parseRetryAfter(inTenSeconds)!;
    expect(ms).toBeGreaterThan(8000);
    expect(ms).toBeLessThanOrEqual(10_000);
  });

  it("clamps negative seconds and ignores what it cannot read", () => {
    expect(parseRetryAfter("-5", now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});
