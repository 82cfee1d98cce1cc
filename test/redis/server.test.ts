// The server with its shared state in a real redis-server, in this process (the emulator over
// loopback, the SDK client): while Redis is unreachable reads are served and changes are refused
// before anything is sent; a budget slot that cannot be given back is warned about, and the call
// it belonged to is still answered.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@redis/client";
import { AuditLog } from "../../src/safety/audit.js";
import { RedisState } from "../../src/safety/redis-state.js";
import { Logger } from "../../src/util/log.js";
import { startRedis, type RedisServer } from "../../scripts/redis-server.mjs";
import { requestsFor, startHarness, type Harness } from "../harness.js";

let redis: RedisServer;
let inspect: ReturnType<typeof createClient>;
let state: RedisState | undefined;
let h: Harness | undefined;

beforeAll(async () => {
  redis = await startRedis();
  inspect = createClient({ url: redis.url });
  inspect.on("error", () => {});
  await inspect.connect();
});
afterEach(async () => {
  await h?.close();
  await state?.close();
  h = undefined;
  state = undefined;
});
afterAll(async () => {
  await inspect.close().catch(() => inspect.destroy());
  await redis.stop();
});

const start = async (budgets = { perBatch: 10, perCredential: 100 }) => {
  state = await RedisState.open(redis.url, { windowMs: 60_000, timeoutMs: 2_000, audit: new AuditLog(undefined), logger: new Logger([], { stderr: false }) });
  h = await startHarness({ state, config: { budgets } });
  return h;
};
const until = async (check: () => boolean, what: string, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe("the server on a shared state in Redis", () => {
  it("serves reads while Redis is down and refuses changes without sending them, then sends them once it is back", async () => {
    const h = await start();
    const ref = { bucket: h.bucket, batch_id: h.batches["healthy-completed"] };
    await redis.stop();
    try {
      await until(() => { try { state!.assertWritable(); return false; } catch { return true; } }, "the outage to be seen");
      const read = await h.call("get_batch", ref);
      expect(read.isError).toBeFalsy();
      expect(read.structuredContent?.status).toBe("COMPLETED");
      const change = await h.call("update_batch", { ...ref, metadata: { run: 1 } });
      expect(change.isError).toBe(true);
      expect((change.content as { text: string }[])[0]!.text).toMatch(/^update_batch was not sent: Redis at 127\.0\.0\.1:\d+ is unreachable, .*Nothing was changed; reads still work/);
      expect(requestsFor(h.emulator, "updateBatch")).toHaveLength(0);
    } finally {
      await redis.start();
    }
    await until(() => { try { state!.assertWritable(); return true; } catch { return false; } }, "Redis to be back");
    expect((await h.call("update_batch", { ...ref, metadata: { run: 2 } })).structuredContent?.outcome).toBe("updated");
    expect(requestsFor(h.emulator, "updateBatch")).toHaveLength(1);
  });

  it("warns when a budget slot cannot be given back (Redis went down mid-call), and still answers the call", async () => {
    const h = await start();
    const ref = { bucket: h.bucket, batch_id: h.batches["still-running"] };
    // The plan reads the batch slowly; Redis goes down meanwhile, so the slot of a call
    // that changed nothing (a plan shown) cannot be given back.
    h.emulator.faults.inject("getBatch", { kind: "slow-headers", delayMs: 500 }, 1);
    const call = h.call("cancel_batch", ref);
    await until(() => requestsFor(h.emulator, "getBatch").length > 0, "the plan to read the batch");
    await redis.stop();
    let result;
    try {
      result = await call;
    } finally {
      await redis.start();
    }
    expect(result.structuredContent?.outcome).toBe("confirmation_required");
    expect(h.logs.some((line) => /^warning: a budget slot could not be given back: Redis at 127\.0\.0\.1:\d+ is unreachable$/.test(line)), h.logs.join("\n")).toBe(true);
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(0);
  });
});
