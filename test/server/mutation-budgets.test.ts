// Budgets on mutations through the real server (in memory, no Redis) against the emulator: what
// counts (a change that may have applied), what does not (plans, refusals, repeats), the
// `budget_exhausted` answer and what it recommends, and the budgets diagnose_batch shows.
import { afterEach, describe, expect, it } from "vitest";
import { READ_ONLY_TOOLS } from "../../src/domain/next-steps.js";
import { requestsFor, startHarness, type Harness } from "../harness.js";

let h: Harness;
afterEach(async () => { await h.close(); });

const start = (budgets: { perBatch: number; perCredential: number }) => startHarness({ config: { budgets } });
const update = (batch: string, n: number) => h.call("update_batch", { bucket: h.bucket, batch_id: h.batches[batch as keyof typeof h.batches], metadata: { run: n } });
const HOUR = 3_600_000;

describe("budgets on mutations", () => {
  it("sends changes up to the batch's budget, then answers budget_exhausted without sending, with when it frees and a diagnosis to review", async () => {
    h = await start({ perBatch: 2, perCredential: 100 });
    const before = Date.now();
    expect((await update("healthy-completed", 1)).structuredContent?.outcome).not.toBe("budget_exhausted");
    expect((await update("healthy-completed", 2)).structuredContent?.outcome).not.toBe("budget_exhausted");
    const refused = await update("healthy-completed", 3);
    expect(refused.isError).toBeFalsy();
    const result = refused.structuredContent!;
    expect(result).toMatchObject({
      outcome: "budget_exhausted",
      budget: { scope: "batch", used: 2, limit: 2, window_seconds: 3600 },
      recommendations: [{ tool: "diagnose_batch", arguments: { bucket: h.bucket, batch_id: h.batches["healthy-completed"] } }],
    });
    const frees = Date.parse(result.budget.frees_at);
    expect(frees).toBeGreaterThanOrEqual(before + HOUR);
    expect(frees).toBeLessThanOrEqual(Date.now() + HOUR);
    expect(result.reason).toMatch(/2 changes were made to batch btch_\w+ .* the most allowed \(--budget-per-batch 2\)\. Nothing was sent; the next change is possible at /);
    expect(result.reason).toContain(`through this server in the last 60 minutes,`);
    expect(result.reason).toMatch(new RegExp(`the next change is possible at ${result.budget.frees_at.replace(/[.]/g, "\\.")}\\.$`));
    expect(result.recommendations[0].rationale).toBe(`Repeated changes have not settled the batch: a person should review the diagnosis and its recent_actions before any more; the next change is possible at ${result.budget.frees_at}.`);
    expect((refused.content as { text: string }[])[0]!.text).toContain("budget_exhausted");
    expect(requestsFor(h.emulator, "updateBatch")).toHaveLength(2);
    // Another batch has its own budget.
    expect((await update("still-running", 1)).structuredContent?.outcome).not.toBe("budget_exhausted");
    expect(requestsFor(h.emulator, "updateBatch")).toHaveLength(3);
  });

  it("does not count plans, refusals by the API or repeats answered from the first call", async () => {
    h = await start({ perBatch: 2, perCredential: 100 });
    const running = { bucket: h.bucket, batch_id: h.batches["still-running"] };
    for (let i = 0; i < 3; i++) expect((await h.call("cancel_batch", running)).structuredContent?.outcome).toBe("confirmation_required");
    // A COMPLETED tier cannot be retried: the API refuses (409), nothing changed.
    for (let tier = 0; tier < 3; tier++) {
      expect((await h.call("retry_tier", { ...running, batch_id: h.batches["healthy-completed"], tier_num: 0, num_cpus: tier + 1 })).structuredContent?.outcome).toBe("refused");
    }
    expect((await update("healthy-completed", 1)).structuredContent?.deduplicated).toBeUndefined();
    expect((await update("healthy-completed", 1)).structuredContent?.deduplicated).toBe(true);
    expect((await update("healthy-completed", 2)).structuredContent?.outcome).not.toBe("budget_exhausted");
    expect((await update("healthy-completed", 3)).structuredContent?.outcome).toBe("budget_exhausted");
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(0);
    expect(requestsFor(h.emulator, "updateBatch")).toHaveLength(2);
  });

  it("caps the credential across batches; a call naming no batch gets a human review instead of a tool", async () => {
    h = await start({ perBatch: 0, perCredential: 2 });
    await update("healthy-completed", 1);
    await update("still-running", 1);
    const batchCall = await update("oom-gpu-tier", 1);
    expect(batchCall.structuredContent).toMatchObject({ outcome: "budget_exhausted", budget: { scope: "credential", used: 2, limit: 2 } });
    expect(batchCall.structuredContent!.reason).toMatch(/to this key and namespace .*\(--budget-per-credential 2\)/);
    const trigger = await h.call("trigger_collection", { collection: "video-frames" });
    expect(trigger.structuredContent).toMatchObject({ outcome: "budget_exhausted", budget: { scope: "credential" } });
    const [review] = trigger.structuredContent!.recommendations;
    expect(review.tool).toBeUndefined();
    expect(review.title).toBe("Review the recent changes (human action)");
    expect(review.rationale).toContain(`the next change is possible at ${trigger.structuredContent!.budget.frees_at}.`);
    expect(review.rationale).toMatch(/mixpeek:\/\/audit\/recent/);
    expect(requestsFor(h.emulator, "triggerCollection")).toHaveLength(0);
    // A call naming a bucket but no batch: a human review too, not a diagnosis without a batch.
    const create = await h.call("create_batch", { bucket: h.bucket, object_ids: ["obj_budget_1"] });
    expect(create.structuredContent).toMatchObject({ outcome: "budget_exhausted", recommendations: [{ title: "Review the recent changes (human action)" }] });
    expect(create.structuredContent!.recommendations[0].tool).toBeUndefined();
  });

  it("counts nothing with both budgets off", async () => {
    h = await start({ perBatch: 0, perCredential: 0 });
    for (let n = 0; n < 12; n++) expect((await update("healthy-completed", n)).structuredContent?.outcome).not.toBe("budget_exhausted");
    expect(requestsFor(h.emulator, "updateBatch")).toHaveLength(12);
  });

  it("shows in diagnose_batch the budgets at least 80 % used, and says when the batch's is spent", async () => {
    h = await start({ perBatch: 5, perCredential: 100 });
    const ref = { bucket: h.bucket, batch_id: h.batches["healthy-completed"] };
    for (let n = 0; n < 3; n++) await update("healthy-completed", n);
    expect((await h.call("diagnose_batch", ref)).structuredContent).not.toHaveProperty("budgets");
    await update("healthy-completed", 3);
    const close = (await h.call("diagnose_batch", ref)).structuredContent!;
    expect(close.budgets).toEqual([{ scope: "batch", used: 4, limit: 5, window_seconds: 3600, frees_at: expect.any(String) }]);
    expect(close.notes.join(" ")).not.toMatch(/budget/);
    await update("healthy-completed", 4);
    const spent = (await h.call("diagnose_batch", ref)).structuredContent!;
    expect(spent.budgets).toMatchObject([{ scope: "batch", used: 5, limit: 5 }]);
    expect(spent.notes.join(" ")).toMatch(/No change to this batch can be made through this server until .*the batch budget of 5 changes per hour is used up/);
  });

  it("offers no change the budget would refuse: diagnose_batch's steps that change the batch become steps for a person", async () => {
    h = await start({ perBatch: 1, perCredential: 100 });
    const ref = { bucket: h.bucket, batch_id: h.batches["oom-gpu-tier"] };
    const before = (await h.call("diagnose_batch", ref)).structuredContent!;
    expect(before.recommendations[0]).toMatchObject({ tool: "retry_tier" });
    await h.call("update_batch", { ...ref, metadata: { note: "spends the budget" } });
    const after = (await h.call("diagnose_batch", ref)).structuredContent!;
    const held = after.recommendations[0];
    expect(held.tool).toBeUndefined();
    expect(held.arguments).toBeUndefined();
    expect(held.title).toBe(`${before.recommendations[0].title} (human action)`);
    expect(held.rationale).toContain(`refuses retry_tier until ${after.budgets[0].frees_at}`);
    expect(held.rationale).toContain(JSON.stringify(before.recommendations[0].arguments));
    expect(after.recommendations.filter((r: { tool?: string }) => r.tool).every((r: { tool: string }) => READ_ONLY_TOOLS.has(r.tool))).toBe(true);
    expect(requestsFor(h.emulator, "retryTier")).toHaveLength(0);
  });
});
