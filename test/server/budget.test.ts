// Every result is bounded: at most RESULT_BUDGET characters of text and of structuredContent JSON,
// cut in the rendering path (render.ts) for every tool at once. What was cut is said in `notes`
// with the tool that shows the rest, and the cut result still matches the tool's output schema.
import { afterEach, describe, expect, it } from "vitest";
import { RESULT_BUDGET, boundText, renderResult, toReply, withinBudget } from "../../src/mcp/render.js";
import { TOOLS } from "../../tools/index.js";
import { startHarness, type Harness } from "../harness.js";

const size = (value: unknown) => JSON.stringify(value).length;
const textOf = (r: { content?: unknown }) => (r.content as { text: string }[]).map((c) => c.text).join("\n");
const listFailed = TOOLS.find((t) => t.name === "list_failed_documents")!;
const getLogs = TOOLS.find((t) => t.name === "get_batch_logs")!;

const documents = (n: number, message = "Read timed out after 30 s fetching s3://sandbox-media/raw/obj.mp4 ".repeat(4)) =>
  Array.from({ length: n }, (_, i) => ({
    document_id: `doc_${i}`, object_id: `obj_${i}`, tier_num: 0, error_type: "network", error_message: message, transient: true, retry_count: 0,
  }));
const page = (n: number) => ({
  batch_id: "btch_1", total: 1000, offset: 40, returned: n, next_offset: 40 + n, documents: documents(n),
  recommendations: [{ title: "Retry", rationale: "Transient.", risk: "low", tool: "retry_failed_documents",
    arguments: { bucket: "b", batch_id: "btch_1", tier_nums: Array.from({ length: 300 }, (_, i) => i) } }],
});

describe("withinBudget (unit)", () => {
  it("leaves a result within the budget exactly as it is", () => {
    const small = page(3);
    expect(withinBudget("list_failed_documents", small)).toBe(small);
  });

  it("cuts a list from its end, says how much is shown and where the rest is, and still matches the schema", () => {
    const cut = withinBudget("list_failed_documents", page(500));
    expect(size(cut)).toBeLessThanOrEqual(RESULT_BUDGET);
    const kept = (cut["documents"] as unknown[]).length;
    expect(kept).toBeGreaterThan(10);
    expect(kept).toBeLessThan(500);
    // The first documents stay, in order.
    expect((cut["documents"] as { document_id: string }[]).map((d) => d.document_id)).toEqual(documents(kept).map((d) => d.document_id));
    const notes = cut["notes"] as string[];
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`documents: ${kept} of 500 shown`);
    expect(notes[0]).toContain(`list_failed_documents with offset ${40 + kept}`);
    expect(listFailed.outputSchema.safeParse(cut).success).toBe(true);
    // Ready-to-run arguments are never cut, even when long.
    expect(cut["recommendations"]).toEqual(page(500).recommendations);
  });

  it("shortens long strings with a visible mark, never short ones or a confirm_token", () => {
    const token = "t".repeat(5_000);
    const result = { outcome: "confirmation_required", confirm_token: token, next_step: "x".repeat(30_000), status: "FAILED" };
    const cut = withinBudget("cancel_batch", result);
    expect(size(cut)).toBeLessThanOrEqual(RESULT_BUDGET);
    expect(cut["confirm_token"]).toBe(token);
    expect(cut["status"]).toBe("FAILED");
    expect(cut["next_step"]).toMatch(/^x+…\[\d+ more\]$/);
    expect((cut["notes"] as string[])[0]).toMatch(/next_step shortened/);
  });

  it("cuts inner lists of the logs and points at get_batch_logs with tier_num, keeping existing notes", () => {
    const jobs = Array.from({ length: 20 }, (_, i) => ({
      tier_num: i, ray_job_id: `raysubmit_${i}`, extractor_type: "video", status: "FAILED", total_lines: 200,
      error_lines: Array(15).fill("E ".repeat(140)), tail: Array(200).fill("L ".repeat(140)),
    }));
    const cut = withinBudget("get_batch_logs", { batch_id: "b", jobs, note: "n", recommendations: [], notes: ["earlier"] });
    expect(size(cut)).toBeLessThanOrEqual(RESULT_BUDGET);
    expect((cut["notes"] as string[])[0]).toBe("earlier");
    expect((cut["notes"] as string[])[1]).toMatch(/get_batch_logs with tier_num/);
    expect(getLogs.outputSchema.safeParse(cut).success).toBe(true);
  });

  it("cuts a record keyed by the API's data (error counts) like a list, never an object of our own fields", () => {
    const summary = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`error_type_${i}_${"x".repeat(30)}`, i]));
    const view = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field_${i}`, "v".repeat(150)]));
    const cut = withinBudget("get_batch", { batch_id: "b", status: "FAILED", view, error_summary: summary, recommendations: [] });
    expect(size(cut)).toBeLessThanOrEqual(RESULT_BUDGET);
    expect(Object.keys(cut["view"] as object)).toHaveLength(40);
    const kept = Object.keys(cut["error_summary"] as object);
    expect(kept.length).toBeGreaterThan(10);
    expect(kept).toEqual(Object.keys(summary).slice(0, kept.length));
    expect((cut["notes"] as string[])[0]).toContain(`error_summary: ${kept.length} of 5000 shown`);
  });

  it("toReply bounds both the structured content and the text", () => {
    const reply = toReply(listFailed, page(500));
    expect(size(reply.structuredContent)).toBeLessThanOrEqual(RESULT_BUDGET);
    expect(textOf(reply).length).toBeLessThanOrEqual(RESULT_BUDGET);
  });
});

describe("boundText (unit)", () => {
  it("cuts facts from their end, keeps every recommendation line and says what was left out", () => {
    const facts = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, { a: "v ".repeat(50), b: i }]));
    const text = renderResult("Big", { ...facts, recommendations: [{ title: "Next", rationale: "Because.", risk: "low", tool: "get_batch", arguments: { x: 1 } }] });
    expect(text.length).toBeGreaterThan(RESULT_BUDGET);
    const out = boundText(text);
    expect(out.length).toBeLessThanOrEqual(RESULT_BUDGET);
    const lines = out.split("\n");
    expect(lines[0]).toBe("## Big");
    expect(lines.slice(-4, -1)).toEqual(["recommendations:", '  1. [low risk] Next → get_batch {"x":1}', "     Because."]);
    expect(lines.at(-1)).toMatch(/^… \d+ more lines cut to stay within 20,000 characters/);
    expect(boundText("## Small\na: 1")).toBe("## Small\na: 1");
    // Room is left for the one line a deduplicated repeat adds before the text.
    expect(out.length).toBeLessThanOrEqual(RESULT_BUDGET - 200);
  });
});

describe("a batch whose answer exceeds the budget", () => {
  let h: Harness | undefined;
  afterEach(async () => { await h?.close(); h = undefined; });

  it("list_failed_documents raw with 500 long failures: bounded, valid, and the note names the next offset", async () => {
    h = await startHarness({ emulator: { scenarios: ["massive-failures"] } });
    const ref = { bucket: h.bucket, batch_id: h.batches["massive-failures"] };
    const message = "Unsupported codec: video stream is HEVC 10-bit (yuv420p10le) in s3://sandbox-media/raw/some/long/path.mp4 ".repeat(3);
    const body = JSON.stringify({ documents: documents(500, message), total: 100_000 });
    h.emulator.faults.inject("listFailedDocuments", { kind: "after-apply", status: 200, body }, 1);
    // The SDK client validates structuredContent against the tool's outputSchema: a cut that broke it would throw here.
    const r = await h.call("list_failed_documents", { ...ref, raw: true, limit: 500 });
    expect(r.isError).toBeFalsy();
    expect(size(r.structuredContent)).toBeLessThanOrEqual(RESULT_BUDGET);
    expect(textOf(r).length).toBeLessThanOrEqual(RESULT_BUDGET);
    const kept = (r.structuredContent!["documents"] as unknown[]).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(500);
    const note = (r.structuredContent!["notes"] as string[]).find((n) => n.startsWith("This result was cut"));
    expect(note).toContain(`list_failed_documents with offset ${kept}`);
    expect(textOf(r)).toContain("This result was cut");
  });

  it("get_batch with 20,000 error types in its error summary: bounded and valid", async () => {
    h = await startHarness({ emulator: { scenarios: ["healthy-completed"] } });
    const ref = { bucket: h.bucket, batch_id: h.batches["healthy-completed"] };
    const batch = (await h.runtime.api.call("getBatch", { params: ref })).data;
    const summary = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`DecodeError_variant_${i}`, i + 1]));
    h.emulator.faults.inject("getBatch", { kind: "after-apply", status: 200, body: JSON.stringify({ ...batch, error_summary: summary }) }, 1);
    const r = await h.call("get_batch", ref);
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(size(r.structuredContent)).toBeLessThanOrEqual(RESULT_BUDGET);
    expect(textOf(r).length).toBeLessThanOrEqual(RESULT_BUDGET);
    expect((r.structuredContent!["notes"] as string[]).join(" ")).toMatch(/error_summary: \d+ of 20000 shown/);
  });

  it("get_batch_logs with every job's log at its longest: bounded and pointing at tier_num", async () => {
    h = await startHarness({ emulator: { scenarios: ["oom-gpu-tier"] } });
    const ref = { bucket: h.bucket, batch_id: h.batches["oom-gpu-tier"] };
    const logs = Array.from({ length: 400 }, (_, i) => `line ${i} ERROR worker failed: ${"traceback frame ".repeat(20)}`).join("\n");
    const entries = Array.from({ length: 20 }, (_, i) => ({ tier_num: i % 3, ray_job_id: `raysubmit_${i}`, extractor_type: "video", status: "FAILED", logs }));
    h.emulator.faults.inject("getBatchLogs", { kind: "after-apply", status: 200, body: JSON.stringify({ batch_id: ref.batch_id, logs: entries }) }, 1);
    const r = await h.call("get_batch_logs", { ...ref, tail_lines: 200 });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(size(r.structuredContent)).toBeLessThanOrEqual(RESULT_BUDGET);
    expect(textOf(r).length).toBeLessThanOrEqual(RESULT_BUDGET);
    expect((r.structuredContent!["notes"] as string[]).join(" ")).toMatch(/get_batch_logs with tier_num/);
  });
});
