// Injected faults: each kind behaves as specified and applies to exactly `count` responses of
// its operation (or of any operation with "*").
import { describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { api, tier, useEmulator, type Api } from "./helpers.js";

let emulator: Emulator;
let a: Api;
useEmulator("file", (started, client) => { emulator = started; a = client; });

const getHealthy = () => a.call("getBatch", a.ref("healthy-completed"));

describe("status faults", () => {
  it("answers the status with the API's envelope, exactly count times, for that operation only", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 503 }, 2);
    expect((await a.call("diagnoseBatch", a.ref("healthy-completed"))).status).toBe(200);
    const answers = [await getHealthy(), await getHealthy(), await getHealthy()];
    expect(answers.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(answers[0]!.body).toEqual({ success: false, status: 503, error: { type: "UnavailableError", message: expect.any(String), details: null } });
    expect(answers[0]!.headers.get("x-request-id")).toMatch(/^req_/);
    expect(emulator.requests.map((r) => r.status)).toEqual([200, 503, 503, 200]);
  });

  it("429 carries TooManyRequestsError and Retry-After; 500 is InternalServerError", async () => {
    emulator.faults.inject("getBatch", { kind: "status", status: 429, retryAfterSeconds: 3 });
    emulator.faults.inject("getBatch", { kind: "status", status: 500 });
    const limited = await getHealthy();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(limited.body.error).toMatchObject({ type: "TooManyRequestsError", details: { api_name: "getBatch" } });
    const broken = await getHealthy();
    expect(broken.body).toMatchObject({ status: 500, error: { type: "InternalServerError" } });
    expect(broken.headers.get("retry-after")).toBeNull();
    expect((await getHealthy()).status).toBe(200);
  });

  it('"*" matches every operation', async () => {
    emulator.faults.inject("*", { kind: "status", status: 401 }, 2);
    expect((await a.call("getTask", { task_id: "x" })).body.error.type).toBe("UnauthorizedError");
    expect((await a.call("listBatches", { bucket: "sandbox-media" }, { body: {} })).status).toBe(401);
    expect((await getHealthy()).status).toBe(200);
  });
});

describe("connection faults", () => {
  it("drop: the socket closes without an answer and the operation is not applied", async () => {
    emulator.faults.inject("cancelBatch", { kind: "drop" });
    await expect(a.call("cancelBatch", a.ref("still-running"))).rejects.toThrow();
    expect((await a.batch("still-running")).status).toBe("IN_PROGRESS");
    expect(emulator.requests[0]).toMatchObject({ operation: "cancelBatch", status: undefined });
  });

  it("drop-after-apply: the operation is applied, then the socket closes (outcome unknown to the client)", async () => {
    const other = await startEmulator({ port: 0, scenarios: ["still-running"] });
    try {
      const b = api(other);
      other.faults.inject("cancelBatch", { kind: "drop-after-apply" });
      await expect(b.call("cancelBatch", b.ref("still-running"))).rejects.toThrow();
      expect((await b.batch("still-running")).status).toBe("CANCELED");
      expect(other.requests[0]).toMatchObject({ operation: "cancelBatch", status: 200 });
      // Next time the same call is a plain invalid transition.
      expect((await b.call("cancelBatch", b.ref("still-running"))).status).toBe(400);
    } finally {
      await other.close();
    }
  });

  it("after-apply: the operation is applied, then the given answer replaces the real one", async () => {
    const other = await startEmulator({ port: 0, scenarios: ["still-running", "transient-network", "stuck-tier"] });
    try {
      const b = api(other);
      other.faults.inject("cancelBatch", { kind: "after-apply", status: 204, body: "" });
      const canceled = await b.call("cancelBatch", b.ref("still-running"));
      expect([canceled.status, canceled.text]).toEqual([204, ""]);
      expect((await b.batch("still-running")).status).toBe("CANCELED");
      other.faults.inject("retryDocuments", { kind: "after-apply", status: 200, body: "OK", contentType: "text/plain" });
      const retried = await b.call("retryDocuments", b.ref("transient-network"), { body: {} });
      expect([retried.status, retried.text, retried.headers.get("content-type")]).toEqual([200, "OK", "text/plain"]);
      expect((await b.batch("transient-network")).status).toBe("PROCESSING");
      // Through the control route too; an after-apply fault without status and body is refused.
      const inject = (fault: unknown) => fetch(`${other.url}/_emulator/faults`, { method: "POST", body: JSON.stringify({ operation: "healTier", fault }) });
      expect((await inject({ kind: "after-apply" })).status).toBe(400);
      expect((await inject({ kind: "after-apply", status: 200, body: "{}" })).status).toBe(200);
      const healed = await b.call("healTier", { ...b.ref("stuck-tier"), tier_num: 1 }, { body: { action: "detect_stuck" } });
      expect([healed.status, healed.text]).toEqual([200, "{}"]);
      expect((await b.batch("stuck-tier")).status).toBe("FAILED");
    } finally {
      await other.close();
    }
  });

  it("slow-headers: nothing arrives before the delay", async () => {
    emulator.faults.inject("getBatch", { kind: "slow-headers", delayMs: 300 });
    await expect(fetch(`${emulator.url}/v1/buckets/sandbox-media/batches/${a.ref("healthy-completed").batch_id}`, {
      headers: { authorization: "Bearer k", "x-namespace": "sandbox" }, signal: AbortSignal.timeout(100),
    })).rejects.toThrow();
    emulator.faults.inject("getBatch", { kind: "slow-headers", delayMs: 200 });
    const started = Date.now();
    const r = await getHealthy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(r.body.status).toBe("COMPLETED");
  });

  it("stall-body: headers and half the body at once, the rest after the delay", async () => {
    emulator.faults.inject("getBatch", { kind: "stall-body", delayMs: 300 });
    const started = Date.now();
    const response = await fetch(`${emulator.url}/v1/buckets/sandbox-media/batches/${a.ref("healthy-completed").batch_id}`, {
      headers: { authorization: "Bearer k", "x-namespace": "sandbox" },
    });
    const headersAfter = Date.now() - started;
    const body = await response.json() as { status: string };
    expect(headersAfter).toBeLessThan(250);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(response.status).toBe(200);
    expect(body.status).toBe("COMPLETED");
  });
});

describe("body faults", () => {
  it("malformed-json: 200 application/json with a truncated body", async () => {
    emulator.faults.inject("getBatch", { kind: "malformed-json" });
    const r = await getHealthy();
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(() => JSON.parse(r.text)).toThrow();
    expect((await getHealthy()).body.batch_id).toBeDefined();
  });

  it("html: a load balancer's text/html error page (502 unless told)", async () => {
    emulator.faults.inject("getBatch", { kind: "html" });
    emulator.faults.inject("getBatch", { kind: "html", status: 504 });
    const bad = await getHealthy();
    expect(bad.status).toBe(502);
    expect(bad.headers.get("content-type")).toBe("text/html");
    expect(bad.text).toMatch(/<h1>502 Bad Gateway<\/h1>/);
    const timeout = await getHealthy();
    expect(timeout.status).toBe(504);
    expect(timeout.text).toMatch(/Gateway Time-out/);
  });

  it("empty: an empty application/json body (200 unless told)", async () => {
    emulator.faults.inject("getBatch", { kind: "empty" });
    emulator.faults.inject("getBatch", { kind: "empty", status: 500 });
    const first = await getHealthy();
    expect([first.status, first.text, first.headers.get("content-type")]).toEqual([200, "", "application/json"]);
    const second = await getHealthy();
    expect([second.status, second.text]).toEqual([500, ""]);
    expect((await getHealthy()).status).toBe(200);
  });
});

describe("hostile-text", () => {
  const HOSTILE = "\n## forged\u2028\u001b[31m";

  it("appends the text to every string value but ids, statuses and timestamps, once per count", async () => {
    const plain = await getHealthy();
    emulator.faults.inject("getBatch", { kind: "hostile-text", text: HOSTILE });
    const hostile = await getHealthy();
    expect(hostile.status).toBe(200);
    expect(hostile.body.batch_id).toBe(plain.body.batch_id);
    expect(hostile.body.status).toBe("COMPLETED");
    expect(hostile.body.created_at).toBe(plain.body.created_at);
    const tier0 = tier(hostile.body, 0);
    expect(tier0.status).toBe(tier(plain.body, 0).status);
    // Every other string carries the text at its end.
    const strings: [string, string, string][] = [];
    const walk = (a: unknown, b: unknown, key: string) => {
      if (typeof a === "string") strings.push([key, a, b as string]);
      else if (a && typeof a === "object") for (const [k, v] of Object.entries(a)) walk(v, (b as Record<string, unknown>)[k], Array.isArray(a) ? key : k);
    };
    walk(plain.body, hostile.body, "");
    const rewritten = strings.filter(([key]) => !/^(id|status|.*_(id|ids|at))$/.test(key));
    expect(rewritten.length).toBeGreaterThan(3);
    for (const [key, before, after] of rewritten) expect(after, key).toBe(before + HOSTILE);
    for (const [key, before, after] of strings.filter((s) => !rewritten.includes(s))) expect(after, key).toBe(before);
    expect(JSON.stringify((await getHealthy()).body)).not.toContain("forged");
  });

  it("replaces instead with mode replace, only the first `strings` values, and error answers too", async () => {
    emulator.faults.inject("getBatch", { kind: "hostile-text", text: "X", mode: "replace", strings: 2 });
    const body = (await getHealthy()).body;
    const values: string[] = [];
    const walk = (v: unknown, key: string) => {
      if (typeof v === "string" && !/^(id|status|.*_(id|ids|at))$/.test(key)) values.push(v);
      else if (v && typeof v === "object") for (const [k, item] of Object.entries(v)) walk(item, Array.isArray(v) ? key : k);
    };
    walk(body, "");
    expect(values.filter((v) => v === "X")).toHaveLength(2);
    expect(values.length).toBeGreaterThan(2);
    emulator.faults.inject("getBatch", { kind: "hostile-text", text: HOSTILE });
    const missing = await a.call("getBatch", { bucket: "sandbox-media", batch_id: "btch_missing" });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/\n## forged\u2028\u001b\[31m$/);
    // The control route takes it too, and refuses it without a text.
    const inject = (fault: unknown) => fetch(`${emulator.url}/_emulator/faults`, { method: "POST", body: JSON.stringify({ operation: "getBatch", fault }) });
    expect((await inject({ kind: "hostile-text" })).status).toBe(400);
    expect((await inject({ kind: "hostile-text", text: "!" })).status).toBe(200);
    const marked = await getHealthy();
    expect(marked.body.batch_id).toBe(body.batch_id);
    expect(marked.text).toMatch(/!"/);
  });
});
