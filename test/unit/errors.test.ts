// errorFromResponse beyond test/api/errors.test.ts: which bodies count as FastAPI's form (and are
// noted for the debug log), validation only for 400 and 422, and field errors with parts missing.
import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError, errorFromResponse } from "../../src/api/errors.js";
import { traceRequests } from "../../src/api/trace.js";

const context = { requestId: "req_1", operation: "getBatch" };
const shapes = async (status: number, body: unknown) => [...(await traceRequests(async () => errorFromResponse(status, body, context))).shapes];

describe("FastAPI's error forms", () => {
  it("are noted when the body is `{detail: text}` or `{detail: [...]}`, and not otherwise", async () => {
    expect(await shapes(404, { detail: "Batch not found" })).toEqual(["errors in FastAPI's detail form"]);
    expect(await shapes(422, { detail: [{ loc: ["query", "limit"], msg: "too big", type: "x" }] })).toEqual(["errors in FastAPI's detail form"]);
    expect(await shapes(404, { success: false, status: 404, error: { type: "NotFoundError", message: "nope" } })).toEqual([]);
    expect(await shapes(500, undefined)).toEqual([]);
    expect(await shapes(500, { detail: 5 })).toEqual([]);
  });

  it("quote the detail text as the message", () => {
    const error = errorFromResponse(404, { detail: "Batch 'x' not found" }, context);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe("Batch 'x' not found");
  });

  it("fill in a field error's missing location and message", () => {
    const error = errorFromResponse(422, { detail: [{ type: "missing" }, { loc: null, msg: null, type: null }] }, context) as ValidationError;
    expect(error.fieldErrors).toEqual([
      { location: [], message: "invalid", type: "missing" },
      { location: [], message: "invalid", type: undefined },
    ]);
    expect(error.message).toBe("Validation error: : invalid; : invalid");
  });
});

describe("validation errors", () => {
  it("only for 422, or a 400 in a validation shape; another status with a validation body keeps its own class", () => {
    const fastapi = { detail: [{ loc: ["body", "x"], msg: "bad", type: "t" }] };
    const envelope = { success: false, status: 409, error: { type: "ValidationError", message: "Validation error", details: null } };
    expect(errorFromResponse(409, fastapi, context)).toBeInstanceOf(ConflictError);
    expect(errorFromResponse(409, envelope, context)).toBeInstanceOf(ConflictError);
    expect(errorFromResponse(404, fastapi, context)).toBeInstanceOf(NotFoundError);
    expect(errorFromResponse(400, fastapi, context)).toBeInstanceOf(ValidationError);
  });

  it("keeps only text messages and types from the envelope's validation_errors", () => {
    const error = errorFromResponse(422, {
      success: false, status: 422,
      error: { type: "ValidationError", message: "Validation error", details: { validation_errors: [{ location: ["body", "a"], message: 42, type: 7 }] } },
    }, context) as ValidationError;
    expect(error.fieldErrors).toEqual([{ location: ["body", "a"], message: "invalid", type: undefined }]);
    expect(error.message).toBe("Validation error: body.a: invalid");
  });
});
