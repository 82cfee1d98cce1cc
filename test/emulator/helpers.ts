// Plain-fetch access to an emulator over loopback: the emulator's tests do not depend on our API
// client, so a client bug cannot hide an emulator bug (or the other way round).
import { OPERATIONS, type Operation } from "../../src/api/operations.js";
import { buildPath, type RouteParams } from "../../src/api/routes.js";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { startEmulator, type Emulator, type EmulatorOptions, type ScenarioName } from "../../src/emulator/index.js";

// The emulator's answers are loose JSON; tests assert on them field by field.
export type Json = any;
export interface Answer { status: number; body: Json; text: string; headers: Headers }

export interface CallOptions { body?: unknown; query?: Record<string, string | number>; headers?: Record<string, string> }

export function api(emulator: Emulator, namespace = emulator.sandbox.namespaceName) {
  const defaults = { authorization: "Bearer sk_test_key", "x-namespace": namespace };

  async function raw(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const query = options.query ? `?${new URLSearchParams(Object.entries(options.query).map(([k, v]) => [k, String(v)]))}` : "";
    const headers: Record<string, string> = { ...defaults, ...options.headers };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(emulator.url + path + query, {
      method, headers,
      ...(options.body === undefined ? {} : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
    });
    const text = await response.text();
    let body: Json;
    try { body = text ? JSON.parse(text) : undefined; } catch { body = undefined; }
    return { status: response.status, body, text, headers: response.headers };
  }

  const call = <O extends Operation>(operation: O, params: RouteParams<O>, options?: CallOptions) =>
    raw(OPERATIONS[operation].method, buildPath(operation, params), options);

  const ref = (scenario: ScenarioName) => ({ bucket: emulator.sandbox.bucketName, batch_id: emulator.sandbox.batches[scenario] });
  const batch = async (scenario: ScenarioName) => (await call("getBatch", ref(scenario))).body;

  /** Polls GET batch (each poll is one virtual step) until the batch is terminal. */
  async function settle(scenario: ScenarioName, polls = 30): Promise<{ body: Json; polls: number }> {
    for (let i = 1; i <= polls; i++) {
      const body = await batch(scenario);
      if (["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"].includes(body.status)) return { body, polls: i };
    }
    return { body: await batch(scenario), polls: polls + 1 };
  }

  return { raw, call, ref, batch, settle };
}

export type Api = ReturnType<typeof api>;

/** Starts an emulator per test file or describe block ("file", its faults and request log
 * cleared before each test) or per test ("test"), and hands it to the file through `use`. */
export function useEmulator(lifetime: "file" | "test", use: (emulator: Emulator, client: Api) => void, options: EmulatorOptions = {}): void {
  let current: Emulator | undefined;
  const start = async () => { current = await startEmulator({ port: 0, ...options }); use(current, api(current)); };
  const stop = () => current?.close();
  if (lifetime === "test") {
    beforeEach(start);
    afterEach(stop);
    return;
  }
  beforeAll(start);
  afterAll(stop);
  beforeEach(() => { current!.faults.clear(); current!.clearRequests(); });
}

export const GIB = 2 ** 30;
export const tier = (batch: Json, n: number): Json => batch.tier_tasks.find((t: Json) => t.tier_num === n);
