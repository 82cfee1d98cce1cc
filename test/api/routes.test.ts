// The route table: ids leave as exactly one percent-encoded segment, ids that URL parsers would
// collapse are refused, and the emulator's matcher recovers every id unchanged.
import { describe, expect, it } from "vitest";
import { OPERATIONS, type Operation } from "../../src/api/operations.js";
import { InvalidPathSegmentError, buildPath, encodeSegment, matchRoute } from "../../src/api/routes.js";

const HOSTILE: [string, string][] = [
  ["../x", "..%2Fx"],
  ["a/b", "a%2Fb"],
  ["x?y=1", "x%3Fy%3D1"],
  ["%2e%2e", "%252e%252e"],
  ["%2F", "%252F"],
  ["a#b", "a%23b"],
  ["#", "%23"],
  ["日本語", "%E6%97%A5%E6%9C%AC%E8%AA%9E"],
  ["é 🚀", "%C3%A9%20%F0%9F%9A%80"],
  ["a&b+c", "a%26b%2Bc"],
  ["a\\b", "a%5Cb"],
  ["...", "..."],
  [".x", ".x"],
  ["btch_ok-1.2", "btch_ok-1.2"],
];

const ALL = Object.keys(OPERATIONS) as Operation[];
const paramNames = (operation: Operation) => [...OPERATIONS[operation].path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

describe("encodeSegment", () => {
  it.each(HOSTILE)("encodes %j as the single segment %s", (id, encoded) => {
    const segment = encodeSegment("batch_id", id);
    expect(segment).toBe(encoded);
    expect(segment).not.toMatch(/[/?#\\]/);
    expect(decodeURIComponent(segment)).toBe(id);
  });

  it("stringifies numbers (tier numbers)", () => {
    expect(encodeSegment("tier_num", 0)).toBe("0");
    expect(encodeSegment("tier_num", 12)).toBe("12");
  });

  it.each(["", ".", ".."])("refuses %j with an InvalidPathSegmentError naming the parameter", (id) => {
    let error: unknown;
    try { encodeSegment("batch_id", id); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(InvalidPathSegmentError);
    expect(error).toMatchObject({ name: "InvalidPathSegmentError", param: "batch_id", value: id });
    expect((error as Error).message).toContain("batch_id");
  });

  it("refuses an id that is not well-formed Unicode (a lone surrogate) with the same typed error", () => {
    for (const id of ["\uD800", "a\uDFFFb"]) {
      expect(() => encodeSegment("batch_id", id)).toThrow(InvalidPathSegmentError);
      expect(() => encodeSegment("batch_id", id)).toThrow(/not well-formed Unicode/);
    }
    // A well-formed surrogate pair is fine.
    expect(encodeSegment("batch_id", "\uD83D\uDE80")).toBe("%F0%9F%9A%80");
  });

  it("refuses . and .. because a URL parser would collapse them even when percent-encoded", () => {
    // Why the refusal exists: WHATWG URL treats %2e%2e as "..", so encoding cannot save them.
    expect(new URL("http://h/v1/buckets/b/batches/%2e%2e/diagnose").pathname).toBe("/v1/buckets/b/diagnose");
    expect(new URL("http://h/v1/buckets/b/batches/%2e/diagnose").pathname).toBe("/v1/buckets/b/batches/diagnose");
  });
});

describe("buildPath", () => {
  it("fills every route's template with encoded segments", () => {
    expect(buildPath("getBatch", { bucket: "sandbox-media", batch_id: "btch_1" })).toBe("/v1/buckets/sandbox-media/batches/btch_1");
    expect(buildPath("cancelJob", { bucket: "b", batch_id: "a/b", tier_num: 2, ray_job_id: "raysubmit_x?y" }))
      .toBe("/v1/buckets/b/batches/a%2Fb/tiers/2/jobs/raysubmit_x%3Fy/cancel");
    expect(buildPath("getTask", { task_id: "../../v1/buckets" })).toBe("/v1/tasks/..%2F..%2Fv1%2Fbuckets");
    expect(buildPath("triggerCollection", { collection: "video frames#1" })).toBe("/v1/collections/video%20frames%231/trigger");
  });

  it.each(HOSTILE)("keeps %j inside one segment on every route, surviving URL parsing", (id) => {
    for (const operation of ALL) {
      const params = Object.fromEntries(paramNames(operation).map((name) => [name, id]));
      const path = buildPath(operation, params as never);
      expect(path.split("/")).toHaveLength(OPERATIONS[operation].path.split("/").length);
      // undici and the emulator both parse the URL: the path must come out unchanged.
      const url = new URL(`http://127.0.0.1${path}`);
      expect(url.pathname).toBe(path);
      expect(url.search).toBe("");
      expect(url.hash).toBe("");
    }
  });

  it.each(["", ".", ".."])("refuses %j in any parameter position", (bad) => {
    for (const operation of ALL) {
      for (const target of paramNames(operation)) {
        const params = Object.fromEntries(paramNames(operation).map((name) => [name, name === target ? bad : "ok"]));
        expect(() => buildPath(operation, params as never), `${operation}.${target}`).toThrow(InvalidPathSegmentError);
      }
    }
  });

  it("throws on a missing parameter rather than sending a literal {name}", () => {
    expect(() => buildPath("getBatch", { bucket: "b" } as never)).toThrow(/missing batch_id/);
  });
});

describe("matchRoute", () => {
  it("matches every route to itself with plain ids", () => {
    for (const operation of ALL) {
      const params = Object.fromEntries(paramNames(operation).map((name) => [name, `${name}_1`]));
      expect(matchRoute(OPERATIONS[operation].method, buildPath(operation, params as never))).toEqual({ operation, params });
    }
  });

  it.each(HOSTILE)("round-trips %j through buildPath on every route", (id) => {
    for (const operation of ALL) {
      const params = Object.fromEntries(paramNames(operation).map((name) => [name, id]));
      const path = buildPath(operation, params as never);
      expect(matchRoute(OPERATIONS[operation].method, path), `${operation} ${path}`).toEqual({ operation, params });
    }
  });

  it("round-trips ids that look like another route's literal segments", () => {
    for (const id of ["list", "batches", "tiers", "cancel", "retry", "uploads", "confirm", "batch", "v1"]) {
      for (const operation of ALL) {
        const params = Object.fromEntries(paramNames(operation).map((name) => [name, id]));
        expect(matchRoute(OPERATIONS[operation].method, buildPath(operation, params as never))).toEqual({ operation, params });
      }
    }
  });

  it("keeps an encoded slash inside its segment instead of routing elsewhere", () => {
    // "x/diagnose" as a batch id must stay a getBatch, never become diagnoseBatch of batch "x".
    expect(matchRoute("GET", "/v1/buckets/b/batches/x%2Fdiagnose")).toEqual({
      operation: "getBatch", params: { bucket: "b", batch_id: "x/diagnose" },
    });
    expect(matchRoute("GET", "/v1/buckets/b/batches/x/diagnose")).toEqual({
      operation: "diagnoseBatch", params: { bucket: "b", batch_id: "x" },
    });
    expect(matchRoute("POST", "/v1/buckets/b/batches/a%2Ftiers%2F1/cancel")).toEqual({
      operation: "cancelBatch", params: { bucket: "b", batch_id: "a/tiers/1" },
    });
  });

  it("answers undefined for unknown routes, wrong methods, empty and undecodable segments", () => {
    expect(matchRoute("GET", "/v1/buckets/b/batches/list")).toMatchObject({ operation: "getBatch" });
    expect(matchRoute("POST", "/v1/buckets/b/batches/x")).toBeUndefined();
    expect(matchRoute("PUT", "/v1/buckets/b/batches/x")).toBeUndefined();
    expect(matchRoute("DELETE", "/v1/buckets/b/batches/x")).toEqual({ operation: "deleteBatch", params: { bucket: "b", batch_id: "x" } });
    expect(matchRoute("POST", "/v1/tasks/list")).toEqual({ operation: "listTasks", params: {} });
    expect(matchRoute("DELETE", "/v1/tasks/list")).toEqual({ operation: "killTask", params: { task_id: "list" } });
    expect(matchRoute("GET", "/v1/buckets/b/batches/")).toBeUndefined();
    expect(matchRoute("GET", "/v1/buckets//batches/x")).toBeUndefined();
    expect(matchRoute("GET", "/v1/buckets/b/batches/x/")).toBeUndefined();
    expect(matchRoute("GET", "/v1/buckets/b/batches/%E0%A4%A")).toBeUndefined();
    expect(matchRoute("GET", "/v1/buckets/b/batches/x/y/z")).toBeUndefined();
    expect(matchRoute("GET", "/v2/tasks/t")).toBeUndefined();
    expect(matchRoute("GET", "/v1/tasks/t")).toEqual({ operation: "getTask", params: { task_id: "t" } });
  });
});
