// Two replicas behind an imagined load balancer: two spawned `--http` server processes sharing
// one real redis-server and one emulator over loopback, called with the SDK's own HTTP client.
// What one replica did, the other knows: a change sent to both goes out once, a used token is
// refused on the other, an action shows in the other's diagnosis, budgets add up. With Redis
// stopped, reads go on, changes are refused and /healthz says degraded; with it back, changes go
// through again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { spawnHttp, until } from "../e2e/bin.js";
import { startRedis, type RedisServer } from "../../scripts/redis-server.mjs";

type Result = CallToolResult & { structuredContent?: Record<string, any> };
type Replica = Awaited<ReturnType<typeof spawnHttp>> & { client: Client; call(name: string, args: Record<string, unknown>): Promise<Result> };

let redis: RedisServer;
let emulator: Emulator;
/** Budget 3 per batch, the default duplicate window. */
let a: Replica;
let b: Replica;
/** No duplicate window, so a replayed token reaches the token check. */
let c: Replica;
let d: Replica;
const clients: Client[] = [];

async function replica(env: Record<string, string>): Promise<Replica> {
  const server = await spawnHttp(["--toolsets", "all"], {
    MIXPEEK_API_URL: emulator.url, MIXPEEK_REDIS_URL: redis.url, MIXPEEK_CONFIRM_SECRET: "replicas-share-this-secret-0123456789", ...env,
  });
  const client = new Client({ name: "replicas-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
    requestInit: { headers: { authorization: "Bearer sk_replica_test_key_0123", "x-namespace": emulator.sandbox.namespaceId } },
  }));
  clients.push(client);
  return { ...server, client, call: async (name, args) => (await client.callTool({ name, arguments: args })) as Result };
}

beforeAll(async () => {
  [redis, emulator] = await Promise.all([startRedis(), startEmulator({ port: 0, scenarios: "all" })]);
  [a, b, c, d] = await Promise.all([
    replica({ MIXPEEK_BUDGET_PER_BATCH: "3" }), replica({ MIXPEEK_BUDGET_PER_BATCH: "3" }),
    replica({ MIXPEEK_DEDUPE_WINDOW_MS: "0" }), replica({ MIXPEEK_DEDUPE_WINDOW_MS: "0" }),
  ]);
}, 30_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  for (const r of [a, b, c, d]) r?.child.kill("SIGTERM");
  await Promise.all([a, b, c, d].map((r) => r?.exited));
  await emulator?.close();
  await redis?.stop();
});

const bucket = () => emulator.sandbox.bucketName;
const batch = (name: keyof Emulator["sandbox"]["batches"]) => ({ bucket: bucket(), batch_id: emulator.sandbox.batches[name] });
const sent = (operation: string) => emulator.requests.filter((r) => r.operation === operation).length;
const text = (r: Result) => (r.content as { text: string }[]).map((x) => x.text).join("\n");
const health = async (r: Replica) => {
  const response = await fetch(`${r.url}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("two replicas sharing Redis", () => {
  it("sends a change made through both replicas within the window once, and gives both callers its outcome", async () => {
    const args = { ...batch("transient-network"), retry_mode: "transient_only" };
    emulator.faults.inject("retryDocuments", { kind: "slow-headers", delayMs: 1_500 });
    const first = a.call("retry_failed_documents", args);
    await until(() => (sent("retryDocuments") === 1 ? true : undefined), 5_000, "replica A's request to reach the API");
    const second = await b.call("retry_failed_documents", args);
    const [one, two] = [await first, second];
    expect(one.structuredContent).toMatchObject({ outcome: "retrying" });
    expect(one.structuredContent!.deduplicated).toBeUndefined();
    expect(two.structuredContent).toMatchObject({ outcome: "retrying", deduplicated: true });
    expect(text(two)).toMatch(/^Deduplicated: the same call was made within the last 60 s/);
    // Once settled, a repeat on either replica is still answered from it.
    expect((await a.call("retry_failed_documents", args)).structuredContent).toMatchObject({ deduplicated: true });
    expect(sent("retryDocuments")).toBe(1);
  });

  it("refuses on one replica a confirmation token already used on the other", async () => {
    const args = batch("still-running");
    const plan = await c.call("cancel_batch", args);
    expect(plan.structuredContent).toMatchObject({ outcome: "confirmation_required" });
    const token = plan.structuredContent!.confirm_token as string;
    emulator.faults.inject("cancelBatch", { kind: "slow-headers", delayMs: 2_500 });
    const applied = c.call("cancel_batch", { ...args, confirm_token: token });
    await until(() => (sent("cancelBatch") === 1 ? true : undefined), 5_000, "replica C's cancel to reach the API");
    const replayed = await d.call("cancel_batch", { ...args, confirm_token: token });
    expect(replayed.isError).toBe(true);
    expect(text(replayed)).toBe("cancel_batch refused: the confirm_token was already used. Nothing was changed. Call cancel_batch again without confirm_token for a fresh plan.");
    expect((await applied).structuredContent).toMatchObject({ outcome: "canceled" });
    expect(sent("cancelBatch")).toBe(1);
  });

  it("shows an action taken through one replica in the recent_actions of a diagnosis through the other", async () => {
    const args = batch("stuck-tier");
    expect((await b.call("diagnose_batch", args)).structuredContent!.recent_actions).toEqual([]);
    expect((await a.call("detect_stuck_tier", { ...args, tier_num: 1 })).isError).toBeFalsy();
    const actions = (await b.call("diagnose_batch", args)).structuredContent!.recent_actions;
    expect(actions).toEqual([{ tool: "detect_stuck_tier", summary: "tier_num=1", outcome: expect.any(String), at: expect.any(String) }]);
  });

  it("counts the budget across both replicas", async () => {
    const update = (r: Replica, n: number) => r.call("update_batch", { ...batch("healthy-completed"), metadata: { run: n } });
    for (const [r, n] of [[a, 1], [b, 2], [a, 3]] as const) expect((await update(r, n)).structuredContent!.outcome).not.toBe("budget_exhausted");
    for (const [r, n] of [[b, 4], [a, 5]] as const) {
      expect((await update(r, n)).structuredContent).toMatchObject({ outcome: "budget_exhausted", budget: { scope: "batch", used: 3, limit: 3 } });
    }
    expect(sent("updateBatch")).toBe(3);
    expect((await b.call("diagnose_batch", batch("healthy-completed"))).structuredContent!.budgets).toMatchObject([{ scope: "batch", used: 3, limit: 3 }]);
  });

  it("with Redis stopped: reads go on, changes are refused with one clear error and /healthz says degraded; with Redis back, changes go through", async () => {
    expect(await health(a)).toEqual({ status: 200, body: { status: "ok", version: expect.any(String), store: "redis" } });
    const change = { ...batch("oom-gpu-tier"), metadata: { owner: "on-call" } };
    const before = sent("updateBatch");
    await redis.stop();
    try {
      for (const r of [a, b]) await until(async () => ((await health(r)).body["status"] === "degraded" ? true : undefined), 10_000, "/healthz to say degraded");
      expect(await health(b)).toEqual({
        status: 200,
        body: { status: "degraded", version: expect.any(String), store: "redis", problem: "Redis is unreachable: reads are served, changes are refused until it is back." },
      });
      const read = await b.call("get_batch", batch("oom-gpu-tier"));
      expect(read.isError).toBeFalsy();
      expect(read.structuredContent!.batch_id).toBe(emulator.sandbox.batches["oom-gpu-tier"]);
      const diagnosis = await a.call("diagnose_batch", batch("oom-gpu-tier"));
      expect(diagnosis.isError).toBeFalsy();
      expect(diagnosis.structuredContent!.notes.join(" ")).toMatch(/Recent actions could not be read: Redis at 127\.0\.0\.1:\d+ is unreachable/);
      const audit = await a.client.readResource({ uri: "mixpeek://audit/recent" });
      expect(JSON.parse((audit.contents[0] as { text: string }).text)).toEqual({
        entries: null,
        note: expect.stringMatching(/^The record of recent changes could not be read: Redis at 127\.0\.0\.1:\d+ is unreachable\. It can be read again/),
      });
      const refused = await a.call("update_batch", change);
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/^update_batch was not sent: Redis at 127\.0\.0\.1:\d+ is unreachable, and without the state replicas share this server cannot make sure the same change is not sent twice\. Nothing was changed; reads still work\. Try again once Redis is back/);
      expect(text(refused)).not.toMatch(/\n\s+at /);
      expect(sent("updateBatch")).toBe(before);
    } finally {
      await redis.start();
    }
    await until(async () => ((await health(a)).body["status"] === "ok" ? true : undefined), 10_000, "/healthz to say ok again");
    expect((await a.call("update_batch", change)).structuredContent).toMatchObject({ outcome: expect.not.stringMatching(/budget_exhausted/) });
    expect(sent("updateBatch")).toBe(before + 1);
    for (const r of [a, b]) {
      expect(r.child.exitCode).toBeNull();
      expect(r.stderr()).toMatch(/Redis at 127\.0\.0\.1:\d+ is unreachable .*: changes are refused until it is back; reads go on\./);
      expect(r.stderr()).not.toMatch(/\n\s+at \S+ \(/);
    }
  });
});
