// Destructive tools change nothing until confirmed, by elicitation or by the token two-step.
import { afterEach, describe, expect, it } from "vitest";
import { ConfirmationTokens, CONFIRM_TTL_MS } from "../../src/safety/confirm.js";
import { requestsFor, startHarness, type Harness } from "../harness.js";

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

const text = (r: { content?: unknown }) => (r.content as { text: string }[])[0]!.text;

describe("confirm_token two-step", () => {
  it("plans first, applies with the token, and the emulator sees exactly one cancel", async () => {
    h = await startHarness();
    const args = { bucket: h.bucket, batch_id: h.batches["still-running"] };
    const first = await h.call("cancel_batch", args);
    expect(first.structuredContent!.outcome).toBe("confirmation_required");
    expect(first.structuredContent!.plan.target).toContain(args.batch_id);
    expect(first.structuredContent!.plan.affects.join(" ")).toMatch(/raysubmit_|tier/);
    // An agent that reads only the text can still send the token back.
    expect(text(first)).toContain(first.structuredContent!.confirm_token);
    expect(first.structuredContent!.next_step).toMatch(/call cancel_batch again .* confirm_token/);
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(0);

    const second = await h.call("cancel_batch", { ...args, confirm_token: first.structuredContent!.confirm_token });
    expect(second.structuredContent!.outcome).toBe("canceled");
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(1);

    // The same call again is answered from the first one and not sent.
    const replay = await h.call("cancel_batch", { ...args, confirm_token: first.structuredContent!.confirm_token });
    expect(replay.structuredContent).toMatchObject({ outcome: "canceled", deduplicated: true });
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(1);
  });

  it("refuses an expired token", async () => {
    let now = Date.now();
    h = await startHarness({ tokens: new ConfirmationTokens(undefined, () => now) });
    const args = { bucket: h.bucket, batch_id: h.batches["stuck-tier"], tier_num: 1 };
    const first = await h.call("cancel_tier", args);
    now += CONFIRM_TTL_MS + 1;
    const late = await h.call("cancel_tier", { ...args, confirm_token: first.structuredContent!.confirm_token });
    expect(late.isError).toBe(true);
    expect(text(late)).toMatch(/expired/);
    expect(requestsFor(h.emulator, "cancelTier")).toHaveLength(0);
  });

  it("refuses a token issued for another target", async () => {
    h = await startHarness();
    const first = await h.call("cancel_batch", { bucket: h.bucket, batch_id: h.batches["still-running"] });
    const other = await h.call("cancel_batch", { bucket: h.bucket, batch_id: h.batches["duplicate-jobs"], confirm_token: first.structuredContent!.confirm_token });
    expect(other.isError).toBe(true);
    expect(text(other)).toMatch(/different call or target/);
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(0);
  });

  it("refuses a token once the target's state changed, and takes the same kind of token while it has not", async () => {
    // The clock stands still, so only our own calls change the tier.
    h = await startHarness({ emulator: { stepMs: 0 } });
    const args = { bucket: h.bucket, batch_id: h.batches["failing-job-multi-extractor"], tier_num: 0 };
    const first = await h.call("cancel_tier", args);
    expect(first.structuredContent!.outcome).toBe("confirmation_required");
    const stops = (first.structuredContent!.plan.affects as string[]).filter((a) => a.startsWith("stops "));
    expect(stops.length).toBeGreaterThan(1);
    // Someone else stops one of the tier's jobs in the meantime: the tier still runs, but not
    // what the user agreed to stop.
    const { data } = await h.runtime.api.call("getBatch", { params: args });
    const job = data.tier_tasks!.find((t) => t.tier_num === 0)!.extractor_jobs!.find((j) => j.status === "IN_PROGRESS" || j.status === "FAILED")!;
    await h.runtime.api.call("cancelJob", { params: { ...args, ray_job_id: job.ray_job_id! } });
    const late = await h.call("cancel_tier", { ...args, confirm_token: first.structuredContent!.confirm_token });
    expect(late.isError, text(late)).toBe(true);
    expect(text(late)).toMatch(/^cancel_tier refused: the target changed since the confirmation was planned\. Nothing was changed\./);
    expect(requestsFor(h.emulator, "cancelTier")).toHaveLength(0);

    // A fresh plan names the tier as it is now, and its token is taken while nothing changes.
    const fresh = await h.call("cancel_tier", args);
    expect(fresh.structuredContent!.plan.affects.filter((a: string) => a.startsWith("stops "))).toHaveLength(stops.length - 1);
    const applied = await h.call("cancel_tier", { ...args, confirm_token: fresh.structuredContent!.confirm_token });
    expect(applied.isError, text(applied)).toBeFalsy();
    expect(applied.structuredContent!.outcome).toBe("canceled");
    expect(requestsFor(h.emulator, "cancelTier")).toHaveLength(1);
  });

  it("kill_duplicate_jobs answers from the current state when the duplicates are already gone", async () => {
    h = await startHarness();
    const args = { bucket: h.bucket, batch_id: h.batches["duplicate-jobs"], tier_num: 0 };
    const first = await h.call("kill_duplicate_jobs", args);
    expect(first.structuredContent!.outcome).toBe("confirmation_required");
    // Someone else kills the duplicates in the meantime (confirm none = automation).
    await h.runtime.api.call("healTier", { params: args, body: { action: "kill_duplicates" } });
    const late = await h.call("kill_duplicate_jobs", { ...args, confirm_token: first.structuredContent!.confirm_token });
    expect(late.structuredContent?.outcome).toBe("no_duplicates");
    expect(requestsFor(h.emulator, "healTier")).toHaveLength(1);
  });

  it("refuses a token when the jobs it would stop are no longer the same", async () => {
    h = await startHarness();
    const { data } = await h.runtime.api.call("triggerCollection", { params: { collection: "video-frames" }, body: {} });
    const args = { bucket: h.bucket, batch_id: data.batch_id };
    const first = await h.call("cancel_batch", args);
    const before = first.structuredContent!.plan.affects.join(" ");
    h.emulator.clock.advance(60_000); // tier 0 finishes; tier 1 starts with new jobs
    const late = await h.call("cancel_batch", { ...args, confirm_token: first.structuredContent!.confirm_token });
    expect(late.isError).toBe(true);
    expect(text(late)).toMatch(/target changed/);
    const fresh = await h.call("cancel_batch", args);
    expect(fresh.structuredContent!.plan.affects.join(" ")).not.toBe(before);
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(0);
  });

  it("answers without confirmation when there is nothing to stop", async () => {
    h = await startHarness();
    const r = await h.call("cancel_batch", { bucket: h.bucket, batch_id: h.batches["healthy-completed"] });
    expect(r.structuredContent!.outcome).toBe("not_active");
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(0);
  });
});

describe("elicitation", () => {
  it("asks the user with the exact target, and applies on yes", async () => {
    const asked: string[] = [];
    h = await startHarness({ config: { confirm: "elicit" }, elicit: (message) => { asked.push(message); return { action: "accept", content: { confirm: true } }; } });
    const batch = await h.call("get_batch", { bucket: h.bucket, batch_id: h.batches["failing-job-multi-extractor"] });
    const job = batch.structuredContent!.tiers[0].jobs.find((j: { error?: string; status: string }) => j.error && j.status !== "COMPLETED");
    const r = await h.call("cancel_job", { bucket: h.bucket, batch_id: h.batches["failing-job-multi-extractor"], tier_num: 0, ray_job_id: job.ray_job_id });
    expect(r.structuredContent!.outcome).toBe("canceled");
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain(job.ray_job_id);
    expect(requestsFor(h.emulator, "cancelJob")).toHaveLength(1);
  });

  it("changes nothing when the user declines", async () => {
    h = await startHarness({ config: { confirm: "elicit" }, elicit: () => ({ action: "decline" }) });
    const r = await h.call("cancel_batch", { bucket: h.bucket, batch_id: h.batches["still-running"] });
    expect(r.structuredContent!.outcome).toBe("declined");
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(0);
  });

  it("falls back to the token when the client cannot elicit", async () => {
    h = await startHarness({ config: { confirm: "elicit" } });
    const r = await h.call("cancel_batch", { bucket: h.bucket, batch_id: h.batches["still-running"] });
    expect(r.structuredContent!.outcome).toBe("confirmation_required");
  });

  it("falls back to the token when the client fails to answer the elicitation", async () => {
    h = await startHarness({ config: { confirm: "elicit" }, elicit: () => { throw new Error("no UI to ask the user"); } });
    const r = await h.call("cancel_batch", { bucket: h.bucket, batch_id: h.batches["still-running"] });
    expect(r.structuredContent!.outcome).toBe("confirmation_required");
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(0);
  });

  it("--confirm none applies at once", async () => {
    h = await startHarness({ config: { confirm: "none" } });
    const r = await h.call("cancel_batch", { bucket: h.bucket, batch_id: h.batches["still-running"] });
    expect(r.structuredContent!.outcome).toBe("canceled");
    expect(requestsFor(h.emulator, "cancelBatch")).toHaveLength(1);
  });
});
