// Each stage of the call pipeline alone: a hand-made call, a `next` that records whether it ran,
// and the stage's own effect (what it answers, what it records). No server, no emulator.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { BadRequestError, ServerError, TimeoutError } from "../../src/api/errors.js";
import { recordNote, recordRequestId, recordShape } from "../../src/api/trace.js";
import { pipeline, runTool, type Call, type Outcome } from "../../src/mcp/pipeline.js";
import { auditStage } from "../../src/mcp/stages/audit.js";
import { confirmationStage, type Ask } from "../../src/mcp/stages/confirmation.js";
import { dedupeStage } from "../../src/mcp/stages/dedupe.js";
import { sharedStateStage } from "../../src/mcp/stages/shared-state.js";
import { errorStage } from "../../src/mcp/stages/errors.js";
import { TOOL_NAMES } from "../../tools/index.js";
import { traceStage } from "../../src/mcp/stages/trace.js";
import { defineTool, type ToolContext, type ToolDefinition } from "../../src/mcp/tool.js";
import { AuditLog } from "../../src/safety/audit.js";
import { ConfirmationTokens } from "../../src/safety/confirm.js";
import { RecentMutations } from "../../src/safety/dedupe.js";
import { SharedStateUnavailable } from "../../src/safety/state.js";
import { IncidentMemory } from "../../src/safety/incident-memory.js";
import { Logger } from "../../src/util/log.js";

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
const DESTRUCTIVE = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true } as const;

const read = defineTool({
  name: "peek", title: "Peek", description: "reads", input: { id: z.string() }, output: { seen: z.string() },
  annotations: READ, toolset: "triage", operations: [], run: async ({ id }) => ({ seen: id }),
});
const write = defineTool({
  name: "poke", title: "Poke", description: "writes", input: { id: z.string() }, output: { outcome: z.literal("poked") },
  annotations: WRITE, toolset: "triage", operations: [], run: async () => ({ outcome: "poked" as const }),
});
let state = "RUNNING";
const stop = defineTool({
  name: "stop", title: "Stop", description: "stops", input: { id: z.string() }, output: { outcome: z.enum(["stopped", "not_active"]) },
  annotations: DESTRUCTIVE,
  toolset: "triage",
  operations: [],
  plan: async ({ id }) => (state === "DONE"
    ? { result: { outcome: "not_active" as const } }
    : { plan: { action: "Stop", target: `thing ${id}`, affects: ["stops job j1"], fingerprint: state } }),
  run: async () => ({ outcome: "stopped" as const }),
});

const ctx = { signal: new AbortController().signal } as unknown as ToolContext;
const callOf = (tool: ToolDefinition, args: Record<string, unknown> = { id: "a" }, confirmToken?: string): Call =>
  ({ tool, args, confirmToken, ctx, confirmed: "not required", enabled: new Set(TOOL_NAMES) });
const done = (outcome = "poked"): Outcome => ({
  reply: { structuredContent: { outcome }, content: [{ type: "text", text: outcome }] }, mayHaveApplied: true, deduplicated: false, requestIds: [],
});
/** A `next` that counts its runs. */
function counter(result: () => Promise<Outcome> = async () => done()) {
  const next = Object.assign(async () => { next.runs++; return result(); }, { runs: 0 });
  return next;
}

describe("pipeline", () => {
  it("runs the stages in order around the core, each able to act before and after", async () => {
    const seen: string[] = [];
    const stage = (name: string) => async (_call: Call, next: () => Promise<Outcome>) => { seen.push(`${name}>`); const o = await next(); seen.push(`<${name}`); return o; };
    const run = pipeline([stage("a"), stage("b")], async (call) => { seen.push("core"); return runTool(call); });
    const outcome = await run(callOf(read, { id: "x" }));
    expect(seen).toEqual(["a>", "b>", "core", "<b", "<a"]);
    expect(outcome.reply.structuredContent).toEqual({ seen: "x" });
    expect(outcome.mayHaveApplied).toBe(false);
    expect((await runTool(callOf(write))).mayHaveApplied).toBe(true);
  });
});

describe("dedupe stage", () => {
  it("answers an identical write within the window from the first call, and sends it once", async () => {
    let now = 0;
    const stage = dedupeStage(new RecentMutations(60_000, () => now), "ns|key");
    const next = counter();
    const first = await stage(callOf(write), next);
    const again = await stage(callOf(write), next);
    expect(next.runs).toBe(1);
    expect(first.deduplicated).toBe(false);
    expect(again).toMatchObject({ deduplicated: true, mayHaveApplied: false });
    expect(again.reply.structuredContent).toMatchObject({ outcome: "poked", deduplicated: true });
    await stage(callOf(write, { id: "b" }), next);
    expect(next.runs).toBe(2);
    now = 61_000;
    await stage(callOf(write), next);
    expect(next.runs).toBe(3);
  });

  it("lets reads and calls that changed nothing through every time", async () => {
    const stage = dedupeStage(new RecentMutations(60_000), "ns|key");
    const next = counter(async () => ({ ...done("refused"), mayHaveApplied: false }));
    await stage(callOf(write), next);
    await stage(callOf(write), next);
    await stage(callOf(read), next);
    await stage(callOf(read), next);
    expect(next.runs).toBe(4);
  });
});

describe("error stage", () => {
  const warnings: string[] = [];
  const stage = errorStage({ namespace: "ns", secrets: ["sk_secret_key"], warn: (m) => warnings.push(m) });

  it("turns a 400 on a write into a refusal that changed nothing, with a look-first step", async () => {
    const outcome = await stage(callOf(write, { bucket: "b", batch_id: "btch_1" }), async () => { throw new BadRequestError({ message: "Tier 1 is RUNNING", status: 400 }); });
    expect(outcome.mayHaveApplied).toBe(false);
    expect(outcome.reply.structuredContent).toMatchObject({ outcome: "refused", reason: "Tier 1 is RUNNING", recommendations: [{ tool: "diagnose_batch" }] });
  });

  it("reports other errors as isError text without the key, and a timed-out write as possibly applied", async () => {
    const timeout = await stage(callOf(write), async () => { throw new TimeoutError({ message: "Timed out sk_secret_key" }, true); });
    expect(timeout.reply.isError).toBe(true);
    expect(timeout.mayHaveApplied).toBe(true);
    const text = (timeout.reply.content[0] as { text: string }).text;
    expect(text).toMatch(/Outcome unknown/);
    expect(text).not.toContain("sk_secret_key");
    const readFailure = await stage(callOf(read), async () => { throw new ServerError({ message: "boom", status: 503 }); });
    expect(readFailure).toMatchObject({ mayHaveApplied: false, reply: { isError: true } });
    expect(warnings).toHaveLength(2);
  });
});

describe("confirmation stage", () => {
  const tokens = new ConfirmationTokens();
  const stageWith = (ask: Ask, mode: "elicit" | "token" | "none" = "elicit") => confirmationStage({ mode, tokens, scope: "ns|c1", ask });
  const never: Ask = async () => undefined;

  it("passes tools without a plan straight through", async () => {
    const next = counter();
    await stageWith(never)(callOf(write), next);
    expect(next.runs).toBe(1);
  });

  it("returns a plan and a token, then applies the call with that token, and refuses it once the target changed", async () => {
    state = "RUNNING";
    const next = counter(async () => done("stopped"));
    const stage = stageWith(never);
    const first = callOf(stop);
    const plan = await stage(first, next);
    expect(next.runs).toBe(0);
    expect(first.confirmed).toBe("pending");
    const content = plan.reply.structuredContent as { outcome: string; confirm_token: string; plan: { affects: string[] } };
    expect(content).toMatchObject({ outcome: "confirmation_required", plan: { action: "Stop", target: "thing a", affects: ["stops job j1"] } });

    const confirmed = callOf(stop, { id: "a" }, content.confirm_token);
    await stage(confirmed, next);
    expect(next.runs).toBe(1);
    expect(confirmed.confirmed).toBe("token");

    state = "RUNNING AGAIN";
    const replayed = callOf(stop, { id: "a" }, content.confirm_token);
    await expect(stage(replayed, next)).rejects.toThrow(/Nothing was changed/);
    await expect(stage(callOf(stop, { id: "b" }, content.confirm_token), next)).rejects.toThrow(/Nothing was changed/);
    expect([next.runs, replayed.confirmed]).toEqual([1, "refused"]);
  });

  it("asks the user when it can: yes applies, no declines, no answer falls back to the token", async () => {
    state = "RUNNING";
    const next = counter(async () => done("stopped"));
    const messages: string[] = [];
    const yes = callOf(stop);
    await stageWith(async (message) => { messages.push(message); return true; })(yes, next);
    expect([next.runs, yes.confirmed]).toEqual([1, "elicitation"]);
    expect(messages[0]).toMatch(/^Stop: thing a\. This stops: stops job j1\./);
    const no = callOf(stop);
    const declined = await stageWith(async () => false)(no, next);
    expect([next.runs, no.confirmed, (declined.reply.structuredContent as { outcome: string }).outcome]).toEqual([1, "declined", "declined"]);
    const silent = await stageWith(never)(callOf(stop), next);
    expect((silent.reply.structuredContent as { outcome: string }).outcome).toBe("confirmation_required");
    expect(next.runs).toBe(1);
  });

  it("answers the plan's own result when there is nothing to confirm, and confirms nothing with --confirm none", async () => {
    state = "DONE";
    const next = counter(async () => done("stopped"));
    const call = callOf(stop);
    const outcome = await stageWith(async () => true)(call, next);
    expect([next.runs, call.confirmed, (outcome.reply.structuredContent as { outcome: string }).outcome]).toEqual([0, "not required", "not_active"]);
    const off = callOf(stop);
    await stageWith(never, "none")(off, next);
    expect([next.runs, off.confirmed]).toEqual([1, "disabled"]);
  });
});

describe("audit stage", () => {
  it("records each write with its outcome, confirmation and request ids, and nothing for reads", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "audit-stage-")), "audit.jsonl");
    const memory = new IncidentMemory(new AuditLog(path));
    const logged: string[] = [];
    const stage = auditStage(memory, { namespace: "ns", credential: "c1" }, (m) => logged.push(m));
    const call = { ...callOf(write, { bucket: "b", batch_id: "btch_1", tier_num: 1 }), confirmed: "token" as const };
    await stage(call, async () => ({ ...done(), requestIds: ["req_1"] }));
    await stage(callOf(read, { bucket: "b", batch_id: "btch_1" }), async () => done("read"));
    await stage(callOf(write, { bucket: "b", batch_id: "btch_1", tier_num: 1 }), async () => ({ ...done(), deduplicated: true, mayHaveApplied: false }));
    const entries = memory.audit.recent(10);
    expect(entries.map((e) => [e.tool, e.outcome, e.confirmed, e.deduplicated, e.request_ids])).toEqual([
      ["poke", "poked", "not required", true, []],
      ["poke", "poked", "token", false, ["req_1"]],
    ]);
    expect(entries[1]).toMatchObject({ namespace: "ns", credential: "c1", arguments: { batch_id: "btch_1", tier_num: 1 } });
    expect(logged).toEqual(['poke {"bucket":"b","batch_id":"btch_1","tier_num":1} → poked']);
    // What was recorded is what diagnose_batch remembers (the deduplicated repeat is not an action).
    expect((await memory.forBatch("btch_1", { namespace: "ns", credential: "c1" })).map((a) => a.outcome)).toEqual(["poked"]);
  });
});

describe("trace stage", () => {
  it("collects request ids, logs the answer forms at debug level, and lets the run add notes", async () => {
    const lines: string[] = [];
    const logger = new Logger([], { stderr: false, minLevel: "debug" });
    logger.addSink((level, message) => lines.push(`${level}: ${message}`));
    const outcome = await traceStage(logger, [])(callOf(read), async () => {
      recordRequestId("req_9");
      recordShape("numbers sent as strings");
      recordNote("The API answered with an empty body.");
      return runTool(callOf(read, { id: "z" }));
    });
    expect(outcome.requestIds).toEqual(["req_9"]);
    expect(lines).toEqual(["debug: peek: the API answered in these forms: numbers sent as strings"]);
    expect(outcome.reply.structuredContent).toEqual({ seen: "z", notes: ["The API answered with an empty body."] });
  });
});

describe("shared-state stage", () => {
  const down = { assertWritable: () => { throw new SharedStateUnavailable("Redis at r:1 is unreachable"); } };
  const up = { assertWritable: () => {} };
  const describeError = (error: unknown, call: Call) => `${call.tool.name}: ${(error as Error).message}`;

  it("lets reads through while the shared state cannot be written, and refuses a write without running it", async () => {
    const next = counter(async () => ({ ...done("seen"), mayHaveApplied: false }));
    expect((await sharedStateStage(down, describeError)(callOf(read), next)).reply.structuredContent).toEqual({ outcome: "seen" });
    expect(next.runs).toBe(1);
    const refused = await sharedStateStage(down, describeError)(callOf(write), next);
    expect(next.runs).toBe(1);
    expect(refused).toEqual({
      reply: { isError: true, content: [{ type: "text", text: "poke: Redis at r:1 is unreachable" }] }, mayHaveApplied: false, deduplicated: false, requestIds: [],
    });
  });

  it("refuses a write whose duplicate check, budget or token could not be settled further in, and rethrows any other error", async () => {
    const stage = sharedStateStage(up, describeError);
    const unsettled = await stage(callOf(write), async () => { throw new SharedStateUnavailable("Redis at r:1 did not answer"); });
    expect(unsettled).toMatchObject({ reply: { isError: true, content: [{ text: "poke: Redis at r:1 did not answer" }] }, mayHaveApplied: false });
    await expect(stage(callOf(write), async () => { throw new TypeError("a bug"); })).rejects.toThrow(TypeError);
    // A read is never checked, so its SharedStateUnavailable (a read of Redis that failed) goes on up as it is.
    await expect(stage(callOf(read), async () => { throw new SharedStateUnavailable("x"); })).rejects.toBeInstanceOf(SharedStateUnavailable);
    expect((await stage(callOf(write), counter())).reply.structuredContent).toEqual({ outcome: "poked" });
  });
});
