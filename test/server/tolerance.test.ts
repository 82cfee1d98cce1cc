// Tolerance: the server keeps telling the truth when the API answers in forms no spec fixes.
// Zone-less timestamps under a non-UTC local zone; writes answered 204, `{}` or plain text
// (applied, never "retry it"); statuses it does not know (never "nothing to do"); a 503 on a
// list; failed documents it cannot read; FastAPI's error bodies. It also checks that every
// result recommends a next step, that the API's own recommendations count as evidence, and that
// incident memory (what this server already did to a batch) steers the next recommendation,
// survives a restart through the audit file and stays private to one API key.
// Everything runs through the real SDK client against the emulator; assertions look at the
// tool results and at the requests the emulator saw.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { toTimestamp } from "../../src/api/tolerant.js";
import type { Findings, TierFinding } from "../../src/domain/diagnosis.js";
import { recommend } from "../../src/domain/recommend.js";
import type { Fault, Operation, ScenarioName } from "../../src/emulator/index.js";
import type { RecentAction } from "../../src/safety/incident-memory.js";
import type { Recommendation } from "../../src/mcp/results.js";
import { requestsFor, startHarness, type Harness, type HarnessOptions } from "../harness.js";
import { tier } from "../unit/findings.js";

const GIB = 2 ** 30;
const text = (r: { content?: unknown }) => (r.content as { text: string }[]).map((c) => c.text).join("\n");
/** Words that would tell an agent to send a write again. */
const SUGGESTS_RETRY = /retrying[^.\n]*help|try again|again with the same|call [a-z_]+ again|outcome unknown|may or may not have been applied/i;

let harnesses: Harness[] = [];
afterEach(async () => {
  // Later harnesses may share the first one's emulator: close them first.
  for (const harness of harnesses.reverse()) await harness.close();
  harnesses = [];
});
async function start(options: HarnessOptions = {}): Promise<Harness> {
  const harness = await startHarness(options);
  harnesses.push(harness);
  return harness;
}
const refOf = (h: Harness, scenario: ScenarioName) => ({ bucket: h.bucket, batch_id: h.batches[scenario] });
const posts = (h: Harness, operation: Operation) => requestsFor(h.emulator, operation).filter((r) => r.method === "POST");

/** wait_for_batch until the batch reaches a final status (at most `max` calls); returns it. */
async function waitUntilFinished(h: Harness, ref: { bucket: string; batch_id: string }, max = 5): Promise<string> {
  for (let i = 0; i < max; i++) {
    const r = await h.call("wait_for_batch", { ...ref, timeout_seconds: 5 });
    expect(r.isError, text(r)).toBeFalsy();
    if (r.structuredContent!.finished) return r.structuredContent!.status;
  }
  throw new Error(`batch ${ref.batch_id} did not finish within ${max} wait_for_batch calls`);
}

describe("1. time zones", () => {
  it("reads zone-less timestamps as UTC whatever the local zone", async () => {
    const saved = process.env.TZ;
    process.env.TZ = "America/Los_Angeles";
    try {
      // Proves the zone took effect, so this test fails if the code reads local time.
      expect(new Date(2026, 0, 1).getTimezoneOffset()).not.toBe(0);
      expect(toTimestamp("2026-11-23T09:00:00.123456")).toBe("2026-11-23T09:00:00.123Z");
      expect(toTimestamp("2026-11-23T09:00:00+02:00")).toBe("2026-11-23T07:00:00.000Z");

      const h = await start({ emulator: { scenarios: ["stuck-tier"], variant: "fastapi" } });
      const r = await h.call("diagnose_batch", refOf(h, "stuck-tier"));
      expect(r.isError, text(r)).toBeFalsy();
      const tier = (r.structuredContent!.tiers as TierFinding[]).find((t) => t.tier_num === 1)!;
      expect(tier.stuck, JSON.stringify(tier)).toBe(true);
      // Frozen about 25 minutes ago; read as local time it would be 8 hours off.
      expect(tier.idle_seconds).toBeGreaterThanOrEqual(15 * 60);
      expect(tier.idle_seconds).toBeLessThanOrEqual(40 * 60);
      expect(requestsFor(h.emulator, "getBatch")).toHaveLength(1);
      // The timestamps really are zone-less on the wire (Python's naive isoformat()).
      const wire = await fetch(`${h.emulator.url}/v1/buckets/${h.bucket}/batches/${h.batches["stuck-tier"]}`, {
        headers: { authorization: "Bearer sk_test_raw", "x-namespace": h.emulator.sandbox.namespaceId },
      }).then((res) => res.json() as Promise<{ tier_tasks: { last_activity_at: string }[] }>);
      expect(wire.tier_tasks[1]!.last_activity_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe("2. writes answered 204, {} or text", () => {
  interface Write {
    tool: string; operation: Operation; scenario: ScenarioName; outcome: string; destructive?: true;
    args(h: Harness): Promise<Record<string, unknown>>;
  }
  const WRITES: Write[] = [
    { tool: "retry_failed_documents", operation: "retryDocuments", scenario: "transient-network", outcome: "retrying",
      args: async (h) => ({ ...refOf(h, "transient-network"), retry_mode: "transient_only" }) },
    { tool: "retry_tier", operation: "retryTier", scenario: "oom-gpu-tier", outcome: "retrying",
      args: async (h) => ({ ...refOf(h, "oom-gpu-tier"), tier_num: 1, memory_bytes: 17179869184 }) },
    { tool: "resubmit_batch", operation: "resubmitBatch", scenario: "orphaned-tier", outcome: "resubmitted",
      args: async (h) => ({ ...refOf(h, "orphaned-tier"), from_tier: 1 }) },
    // The body does not say whether the tier is stuck: the honest verdict is "unclear".
    { tool: "detect_stuck_tier", operation: "healTier", scenario: "stuck-tier", outcome: "detection_unclear",
      args: async (h) => ({ ...refOf(h, "stuck-tier"), tier_num: 1 }) },
    { tool: "trigger_collection", operation: "triggerCollection", scenario: "healthy-completed", outcome: "triggered",
      args: async () => ({ collection: "video-frames" }) },
    { tool: "confirm_uploads", operation: "confirmUploads", scenario: "healthy-completed", outcome: "accepted",
      args: async (h) => ({ bucket: h.bucket, confirmations: [{ upload_id: "upl_a1b2c3d4e5f6g7h8" }] }) },
    { tool: "cancel_tier", operation: "cancelTier", scenario: "still-running", outcome: "canceled", destructive: true,
      args: async (h) => ({ ...refOf(h, "still-running"), tier_num: 0 }) },
    { tool: "cancel_job", operation: "cancelJob", scenario: "failing-job-multi-extractor", outcome: "canceled", destructive: true,
      args: async (h) => {
        const ref = refOf(h, "failing-job-multi-extractor");
        const { data } = await h.runtime.api.call("getBatch", { params: ref });
        const tier = data.tier_tasks!.find((t) => t.extractor_jobs?.some((j) => j.extractor_type === "ocr_extractor_v1"))!;
        const job = tier.extractor_jobs!.find((j) => j.extractor_type === "ocr_extractor_v1")!;
        return { ...ref, tier_num: tier.tier_num, ray_job_id: job.ray_job_id };
      } },
    { tool: "kill_duplicate_jobs", operation: "healTier", scenario: "duplicate-jobs", outcome: "killed", destructive: true,
      args: async (h) => ({ ...refOf(h, "duplicate-jobs"), tier_num: 0 }) },
    { tool: "cancel_batch", operation: "cancelBatch", scenario: "still-running", outcome: "canceled", destructive: true,
      args: async (h) => refOf(h, "still-running") },
  ];
  const ANSWERS: { label: string; status: number; fault: Fault; readable: boolean }[] = [
    { label: "204 with no body", status: 204, fault: { kind: "after-apply", status: 204, body: "" }, readable: false },
    { label: "200 {}", status: 200, fault: { kind: "after-apply", status: 200, body: "{}" }, readable: true },
    { label: "200 text/plain OK", status: 200, fault: { kind: "after-apply", status: 200, body: "OK", contentType: "text/plain" }, readable: false },
  ];
  const CASES = WRITES.flatMap((write) => ANSWERS.map((answer) => ({ ...write, answer, label: answer.label })));

  it.each(CASES)("$tool answered $label: applied, reported once, deduplicated", async ({ tool, operation, scenario, outcome, destructive, args, answer }) => {
    const h = await start({ emulator: { scenarios: [scenario] }, ...(destructive ? { config: { confirm: "none" } } : {}) });
    const callArgs = await args(h);
    h.emulator.faults.inject(operation, answer.fault);
    const first = await h.call(tool, callArgs);
    expect(first.isError, text(first)).toBeFalsy();
    expect(first.structuredContent!.outcome, text(first)).toBe(outcome);
    expect(text(first)).not.toMatch(SUGGESTS_RETRY);
    if (!answer.readable) {
      expect(first.structuredContent!.notes, text(first)).toEqual(expect.arrayContaining([
        expect.stringMatching(new RegExp(`${operation} with HTTP ${answer.status} and a body that is not JSON.*the change was applied`)),
      ]));
    }
    // The write reached the API exactly once and the emulator applied it (the fault was used up).
    expect(posts(h, operation)).toHaveLength(1);

    const again = await h.call(tool, callArgs);
    expect(again.isError, text(again)).toBeFalsy();
    expect(again.structuredContent).toMatchObject({ outcome, deduplicated: true });
    expect(posts(h, operation)).toHaveLength(1);
  });
});

describe("3. unknown statuses never conclude \"nothing\"", () => {
  it("plans cancellations, keeps watching and still finds duplicates when statuses read RUNNING/QUEUED", async () => {
    // One poll per wait_for_batch call, so the running batch is still running when it returns.
    const h = await start({ emulator: { scenarios: ["running-unknown-status"] }, config: { confirm: "token", pollIntervalMs: 5000 } });
    const ref = refOf(h, "running-unknown-status");
    const { tools } = await h.client.listTools();
    const readOnly = new Set(tools.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name));

    const { data } = await h.runtime.api.call("getBatch", { params: ref });
    expect(data.status).toBe("RUNNING");
    const running = data.tier_tasks!.find((t) => t.status === "RUNNING");
    expect(running, JSON.stringify(data.tier_tasks?.map((t) => t.status))).toBeDefined();

    const tier = await h.call("cancel_tier", { ...ref, tier_num: running!.tier_num });
    expect(tier.isError, text(tier)).toBeFalsy();
    expect(tier.structuredContent!.outcome).toBe("confirmation_required");
    expect(tier.structuredContent!.plan.affects.join("\n")).toMatch(/"RUNNING", which this server does not know/);

    const batch = await h.call("cancel_batch", ref);
    expect(batch.isError, text(batch)).toBeFalsy();
    expect(batch.structuredContent!.outcome).toBe("confirmation_required");
    expect(batch.structuredContent!.plan.affects.join("\n")).toMatch(/"RUNNING", which this server does not know/);
    expect(posts(h, "cancelTier")).toHaveLength(0);
    expect(posts(h, "cancelBatch")).toHaveLength(0);

    const diagnosis = await h.call("diagnose_batch", ref);
    expect(diagnosis.isError, text(diagnosis)).toBeFalsy();
    const d = diagnosis.structuredContent!;
    expect(d.summary).not.toMatch(/nothing to do/i);
    expect(text(diagnosis)).not.toMatch(/nothing to do/i);
    expect(d.notes).toEqual(expect.arrayContaining([expect.stringContaining('"RUNNING"')]));
    const recs = d.recommendations as Recommendation[];
    expect(recs.map((r) => r.tool)).toContain("wait_for_batch");
    for (const rec of recs) expect(readOnly.has(rec.tool ?? ""), `${rec.tool}: ${rec.title}`).toBe(true);

    // Watching never reads an unknown status as finished, and says why it keeps waiting.
    const wait = await h.call("wait_for_batch", { ...ref, timeout_seconds: 1 });
    expect(wait.structuredContent).toMatchObject({ finished: false, timed_out: true, status: "RUNNING" });
    expect(wait.structuredContent!.notes).toEqual([expect.stringContaining('"RUNNING" is not one this server knows')]);
    expect((wait.structuredContent!.recommendations as Recommendation[]).map((r) => r.tool)).toEqual(["wait_for_batch", "diagnose_batch"]);
    const missing = await h.call("wait_for_batch", { ...ref, tier_num: 7, timeout_seconds: 1 });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/has no tier 7/);
  });

  it("kill_duplicate_jobs finds duplicates whose statuses read RUNNING (sparse variant)", async () => {
    const h = await start({ emulator: { scenarios: ["duplicate-jobs"], variant: "sparse" }, config: { confirm: "token" } });
    const ref = refOf(h, "duplicate-jobs");
    const { data } = await h.runtime.api.call("getBatch", { params: ref });
    expect(data.tier_tasks![0]!.extractor_jobs!.map((j) => j.status)).toEqual(["RUNNING", "RUNNING"]);
    const r = await h.call("kill_duplicate_jobs", { ...ref, tier_num: 0 });
    expect(r.isError, text(r)).toBeFalsy();
    expect(r.structuredContent!.outcome, text(r)).toBe("confirmation_required");
    const stops = (r.structuredContent!.plan.affects as string[]).filter((a) => a.startsWith("stops "));
    expect(stops).toHaveLength(1);
    expect(posts(h, "healTier")).toHaveLength(0);
  });
});

describe("4. list_batches", () => {
  it("succeeds after one 503, with the list sent twice", async () => {
    const h = await start({ emulator: { scenarios: ["healthy-completed", "oom-gpu-tier"] } });
    h.emulator.faults.inject("listBatches", { kind: "status", status: 503 }, 1);
    const r = await h.call("list_batches", { bucket: h.bucket });
    expect(r.isError, text(r)).toBeFalsy();
    expect(r.structuredContent!.returned).toBe(2);
    expect(requestsFor(h.emulator, "listBatches").map((q) => q.status)).toEqual([503, 200]);
  });
});

describe("5. failed documents that cannot be read never give \"nothing to do\"", () => {
  const expectNoNothing = (r: { content?: unknown; structuredContent?: Record<string, any> }) => {
    expect(r.structuredContent!.summary).not.toMatch(/nothing to do/i);
    expect(text(r)).not.toMatch(/nothing to do/i);
  };

  it("(a) listing fails (HTTP 500): a note, and the transient retry from the error summary", async () => {
    const h = await start({ emulator: { scenarios: ["transient-network"] } });
    const ref = refOf(h, "transient-network");
    h.emulator.faults.inject("listFailedDocuments", { kind: "status", status: 500 }, 10);
    const r = await h.call("diagnose_batch", ref);
    expect(r.isError, text(r)).toBeFalsy();
    expect(r.structuredContent!.notes).toEqual(expect.arrayContaining([expect.stringMatching(/Failed documents could not be read \(HTTP 500/)]));
    const recs = r.structuredContent!.recommendations as Recommendation[];
    expect(recs.length).toBeGreaterThan(0);
    expect(recs[0]).toMatchObject({ tool: "retry_failed_documents", arguments: { ...ref, retry_mode: "transient_only", tier_nums: [0] } });
    expectNoNothing(r);
    expect(requestsFor(h.emulator, "listFailedDocuments").length).toBeGreaterThan(1); // a read is retried
  });

  it("(a') listing and diagnose both fail: the retry rests on the batch's error summary alone", async () => {
    const h = await start({ emulator: { scenarios: ["transient-network"] } });
    const ref = refOf(h, "transient-network");
    h.emulator.faults.inject("listFailedDocuments", { kind: "status", status: 500 }, 10);
    h.emulator.faults.inject("diagnoseBatch", { kind: "status", status: 404 }, 1);
    const r = await h.call("diagnose_batch", ref);
    expect(r.isError, text(r)).toBeFalsy();
    const recs = r.structuredContent!.recommendations as Recommendation[];
    expect(recs[0]).toMatchObject({ tool: "retry_failed_documents", arguments: { ...ref, retry_mode: "transient_only", tier_nums: [0] } });
    expect(recs[0]!.rationale).toMatch(/error summary counts 12 network/);
    expectNoNothing(r);
  });

  it("(b) an unrecognised list key is named, and recommendations remain", async () => {
    const h = await start({ emulator: { scenarios: ["transient-network"] } });
    h.emulator.faults.inject("listFailedDocuments", { kind: "after-apply", status: 200, body: '{"things": []}' });
    h.emulator.faults.inject("diagnoseBatch", { kind: "status", status: 404 });
    const r = await h.call("diagnose_batch", refOf(h, "transient-network"));
    expect(r.isError, text(r)).toBeFalsy();
    expect(r.structuredContent!.notes).toEqual(expect.arrayContaining([expect.stringMatching(/no list this server recognises \(keys: things\)/)]));
    expect(r.structuredContent!.failed_documents.total).toBe(12);
    expect((r.structuredContent!.recommendations as Recommendation[]).length).toBeGreaterThan(0);
    expectNoNothing(r);
    expect(requestsFor(h.emulator, "listFailedDocuments")).toHaveLength(1);
  });

  it("(c) permanent errors that cannot be read: read them first, never retry all", async () => {
    const h = await start({ emulator: { scenarios: ["permanent-bad-input"] } });
    const ref = refOf(h, "permanent-bad-input");
    h.emulator.faults.inject("listFailedDocuments", { kind: "status", status: 500 }, 10);
    h.emulator.faults.inject("diagnoseBatch", { kind: "status", status: 404 });
    const r = await h.call("diagnose_batch", ref);
    expect(r.isError, text(r)).toBeFalsy();
    const recs = r.structuredContent!.recommendations as Recommendation[];
    expect(recs.map((x) => x.tool)).toContain("list_failed_documents");
    expect(recs.find((x) => x.tool === "list_failed_documents")!.arguments).toEqual(ref);
    expect(recs.filter((x) => x.tool === "retry_failed_documents" && x.arguments?.["retry_mode"] === "all")).toEqual([]);
    expectNoNothing(r);
    expect(posts(h, "retryDocuments")).toHaveLength(0);
  });
});

describe("6. incident memory", () => {
  it("(a) after two failed memory retries the next step is a human action, not a third retry", async () => {
    const h = await start({ emulator: { scenarios: ["oom-needs-more-memory"] } });
    const ref = refOf(h, "oom-needs-more-memory");
    for (const gib of [12, 14]) {
      const retry = await h.call("retry_tier", { ...ref, tier_num: 1, memory_bytes: gib * GIB });
      expect(retry.structuredContent!.outcome, text(retry)).toBe("retrying");
      expect(await waitUntilFinished(h, ref)).toBe("FAILED");
    }
    expect(posts(h, "retryTier").map((q) => (q.body as { memory_bytes: number }).memory_bytes)).toEqual([12 * GIB, 14 * GIB]);

    const r = await h.call("diagnose_batch", ref);
    expect(r.isError, text(r)).toBeFalsy();
    const actions = r.structuredContent!.recent_actions as { tool: string; summary: string; outcome: string; at: string }[];
    expect(actions).toHaveLength(2);
    expect(actions[0]).toMatchObject({ tool: "retry_tier", outcome: "retrying", summary: expect.stringContaining(`memory_bytes=${14 * GIB}`) });
    expect(actions[1]).toMatchObject({ tool: "retry_tier", outcome: "retrying", summary: expect.stringContaining(`memory_bytes=${12 * GIB}`) });
    expect(Date.parse(actions[0]!.at)).toBeGreaterThanOrEqual(Date.parse(actions[1]!.at));
    const first = (r.structuredContent!.recommendations as Recommendation[])[0]!;
    expect(first.tool, JSON.stringify(first)).toBeUndefined();
    expect(first.title).toMatch(/human action/);
    expect((r.structuredContent!.recommendations as Recommendation[]).some((x) => x.tool === "retry_tier")).toBe(false);
  });

  it("(b) after one failed retry with 16 GiB, the next retry asks for 32 GiB", async () => {
    const h = await start({ emulator: { scenarios: ["oom-needs-more-memory"] } });
    const ref = refOf(h, "oom-needs-more-memory");
    await h.call("retry_tier", { ...ref, tier_num: 1, memory_bytes: 16 * GIB });
    expect(await waitUntilFinished(h, ref)).toBe("FAILED");
    const r = await h.call("diagnose_batch", ref);
    const recs = r.structuredContent!.recommendations as Recommendation[];
    expect(recs[0], JSON.stringify(recs)).toMatchObject({ tool: "retry_tier", arguments: { ...ref, tier_num: 1, memory_bytes: 34359738368 } });
    expect(recs.filter((x) => x.tool === "retry_tier" && x.arguments?.["memory_bytes"] === 16 * GIB)).toEqual([]);
  });

  it("(c) survives a restart: a second server on the same audit file continues the stuck flow", async () => {
    const first = await start({ emulator: { scenarios: ["stuck-tier"], variant: "sparse" } });
    const ref = refOf(first, "stuck-tier");
    const detect = await first.call("detect_stuck_tier", { ...ref, tier_num: 1 });
    expect(detect.isError, text(detect)).toBeFalsy();
    expect(posts(first, "healTier")).toHaveLength(1);

    const second = await start({ sharedEmulator: first.emulator, config: { auditLog: first.auditPath } });
    const r = await second.call("diagnose_batch", ref);
    expect(r.isError, text(r)).toBeFalsy();
    expect(r.structuredContent!.recent_actions).toEqual([
      expect.objectContaining({ tool: "detect_stuck_tier", summary: "tier_num=1", outcome: detect.structuredContent!.outcome }),
    ]);
    expect((r.structuredContent!.recommendations as Recommendation[])[0]).toMatchObject({ tool: "cancel_tier", arguments: { ...ref, tier_num: 1 } });
    // Reading the memory sent nothing: the tier is still there to cancel.
    expect(posts(first, "healTier")).toHaveLength(1);
    expect(posts(first, "cancelTier")).toHaveLength(0);
  });

  it("(d) another API key on the same audit file and namespace sees none of it", async () => {
    const first = await start({ emulator: { scenarios: ["stuck-tier"], variant: "sparse" } });
    const ref = refOf(first, "stuck-tier");
    await first.call("detect_stuck_tier", { ...ref, tier_num: 1 });
    const other = await start({ sharedEmulator: first.emulator, apiKey: "sk_test_another_key_9876543210", config: { auditLog: first.auditPath } });
    const r = await other.call("diagnose_batch", ref);
    expect(r.isError, text(r)).toBeFalsy();
    expect(r.structuredContent!.recent_actions).toEqual([]);
    // Without the history the flow starts over with detection.
    expect((r.structuredContent!.recommendations as Recommendation[])[0]).toMatchObject({ tool: "detect_stuck_tier", arguments: { ...ref, tier_num: 1 } });
    // The entry is in the shared file: it is the key that hides it.
    expect(readFileSync(first.auditPath, "utf8")).toContain('"tool":"detect_stuck_tier"');
  });

  it("(e) with the audit log off, the in-memory record still gives recent_actions", async () => {
    const h = await start({ emulator: { scenarios: ["stuck-tier"], variant: "sparse" }, config: { auditLog: undefined } });
    expect(h.auditPath).toBeUndefined();
    const ref = refOf(h, "stuck-tier");
    await h.call("detect_stuck_tier", { ...ref, tier_num: 1 });
    const r = await h.call("diagnose_batch", ref);
    expect(r.structuredContent!.recent_actions).toEqual([expect.objectContaining({ tool: "detect_stuck_tier", summary: "tier_num=1" })]);
    expect((r.structuredContent!.recommendations as Recommendation[])[0]).toMatchObject({ tool: "cancel_tier", arguments: { ...ref, tier_num: 1 } });
  });
});

describe("7. every tool's result recommends a next step", () => {
  it("list_failed_documents and get_batch_logs recommend the step that fits", async () => {
    const h = await start({ emulator: { scenarios: ["transient-network", "permanent-bad-input", "oom-gpu-tier"] } });
    const transient = await h.call("list_failed_documents", refOf(h, "transient-network"));
    expect(transient.isError, text(transient)).toBeFalsy();
    expect((transient.structuredContent!.recommendations as Recommendation[])[0]).toMatchObject({
      tool: "retry_failed_documents", arguments: { ...refOf(h, "transient-network"), retry_mode: "transient_only", tier_nums: [0] },
    });

    const permanent = await h.call("list_failed_documents", refOf(h, "permanent-bad-input"));
    const recs = permanent.structuredContent!.recommendations as Recommendation[];
    expect(recs.length).toBeGreaterThan(0);
    expect(recs.every((r) => r.tool === undefined), JSON.stringify(recs)).toBe(true);
    expect(recs[0]!.title).toMatch(/human action/);

    const logs = await h.call("get_batch_logs", refOf(h, "oom-gpu-tier"));
    expect(logs.isError, text(logs)).toBeFalsy();
    expect((logs.structuredContent!.recommendations as Recommendation[])[0]).toMatchObject({ tool: "diagnose_batch", arguments: refOf(h, "oom-gpu-tier") });
    expect(requestsFor(h.emulator, "getBatchLogs")).toHaveLength(1);
  });
});

describe("8. the API's recommendations are evidence", () => {
  const ref = { bucket: "sandbox-media", batch_id: "btch_unit000test" };
  /** A running batch where our own rules find nothing: activity unknown, no failures. */
  const findings = (api_recommendations: Findings["api_recommendations"]): Findings => ({
    batch_id: ref.batch_id, status: "IN_PROGRESS", failure_category: null, total_tiers: 2,
    tiers: [tier(0, "IN_PROGRESS"), tier(1, "IN_PROGRESS")], events: [], failed_document_count: 0,
    failure_groups: [], failure_groups_omitted: 0, sampled_documents: 0, error_summary: {}, tiers_with_errors: [],
    api_recommendations, notes: [],
  });
  const STUCK_TEXT = "Tier 1 shows no activity; run heal detect_stuck, then cancel the tier and retry it";

  it("maps the API's text and object forms to tools, and continues a flow from history", () => {
    // Our own rules alone: only a wait.
    expect(recommend(findings([]), ref).map((r) => r.tool)).toEqual(["wait_for_batch"]);

    const fromText = recommend(findings([{ text: STUCK_TEXT }]), ref);
    expect(fromText[0]).toMatchObject({ tool: "detect_stuck_tier", arguments: { ...ref, tier_num: 1 } });
    expect(fromText.findIndex((r) => r.tool === "wait_for_batch")).toBeGreaterThan(0);

    const fromObject = recommend(findings([{ action: "cancel_job", tier_num: 0, ray_job_id: "raysubmit_X", text: "Job raysubmit_X keeps crashing" }]), ref);
    expect(fromObject[0]).toMatchObject({ tool: "cancel_job", arguments: { ...ref, tier_num: 0, ray_job_id: "raysubmit_X" } });

    const history: RecentAction[] = [{
      tool: "detect_stuck_tier", summary: "tier_num=1", outcome: "detection_unclear", at: new Date().toISOString(),
      arguments: { ...ref, tier_num: 1 },
    }];
    const continued = recommend(findings([{ text: STUCK_TEXT }]), ref, history);
    expect(continued[0]).toMatchObject({ tool: "cancel_tier", arguments: { ...ref, tier_num: 1 } });
    expect(continued.some((r) => r.tool === "detect_stuck_tier")).toBe(false);
  });

  it("asks for more memory than any retry already tried, even when the API still reports the first resources", () => {
    const oom: Findings = {
      ...findings([]), status: "FAILED",
      tiers: [tier(0, "COMPLETED"), { ...tier(1, "FAILED"), oom: true, resources: { requires_gpu: true, num_cpus: 4, memory_bytes: 8 * GIB, priority: 100, extractor_name: "x" } }],
    };
    expect(recommend(oom, ref)[0]).toMatchObject({ tool: "retry_tier", arguments: { ...ref, tier_num: 1, memory_bytes: 16 * GIB, requires_gpu: true } });
    const retried = (memory: number): RecentAction => ({
      tool: "retry_tier", summary: `tier_num=1 memory_bytes=${memory}`, outcome: "retrying", at: new Date().toISOString(),
      arguments: { ...ref, tier_num: 1, memory_bytes: memory, requires_gpu: true },
    });
    expect(recommend(oom, ref, [retried(16 * GIB)])[0]).toMatchObject({ tool: "retry_tier", arguments: { memory_bytes: 32 * GIB } });
    const third = recommend(oom, ref, [retried(32 * GIB), retried(16 * GIB)])[0]!;
    expect(third.tool).toBeUndefined();
    expect(third.title).toMatch(/human action/);
  });
});

describe("9. error bodies in FastAPI's form", () => {
  it("quotes `detail` in errors and refusals", async () => {
    const h = await start({ emulator: { scenarios: ["healthy-completed"], variant: "fastapi" } });
    const missing = await h.call("get_batch", { bucket: h.bucket, batch_id: "btch_doesnotexist" });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/HTTP 404/);
    expect(text(missing)).toContain("Batch 'btch_doesnotexist' not found");

    const ref = refOf(h, "healthy-completed");
    const refused = await h.call("retry_failed_documents", { ...ref, retry_mode: "transient_only" });
    expect(refused.isError, text(refused)).toBeFalsy();
    expect(refused.structuredContent).toMatchObject({
      outcome: "refused",
      reason: `Batch ${ref.batch_id} is COMPLETED; only FAILED or COMPLETED_WITH_ERRORS batches can retry failed documents`,
    });
    expect(posts(h, "retryDocuments").map((q) => q.status)).toEqual([400]);
  });
});
