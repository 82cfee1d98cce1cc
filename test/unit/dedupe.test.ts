// Duplicate suppression with a fake clock: identical mutating calls share one reply while in
// flight, are answered from it for the window when they changed something, and are forgotten
// when they changed nothing, failed, or the window is off.
import { describe, expect, it } from "vitest";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { RecentMutations, asDeduplicated } from "../../src/safety/dedupe.js";

const WINDOW = 60_000;
const reply = (text: string): CallToolResult => ({ content: [{ type: "text", text }] });

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

/** A reply the test settles by hand. */
function deferred() {
  let resolve!: (value: { reply: CallToolResult; keep: boolean }) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<{ reply: CallToolResult; keep: boolean }>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));
const size = (m: RecentMutations) => m["entries"].size;

describe("RecentMutations.key", () => {
  it("is the same for the same call whatever the argument order, and differs by tool, namespace or arguments", () => {
    const m = new RecentMutations(WINDOW);
    const key = m.key("retry_tier", "ns_a", { batch_id: "b", tier_num: 1 });
    expect(m.key("retry_tier", "ns_a", { tier_num: 1, batch_id: "b" })).toBe(key);
    expect(m.key("retry_tier", "ns_a", { tier_num: 1, batch_id: "b", memory_bytes: undefined })).toBe(key);
    expect(m.key("cancel_tier", "ns_a", { batch_id: "b", tier_num: 1 })).not.toBe(key);
    expect(m.key("retry_tier", "ns_b", { batch_id: "b", tier_num: 1 })).not.toBe(key);
    expect(m.key("retry_tier", "ns_a", { batch_id: "b", tier_num: 2 })).not.toBe(key);
    // The parts are separated, so they cannot run into each other.
    expect(m.key("b", "a", {})).not.toBe(m.key("", "ab", {}));
  });
});

describe("RecentMutations", () => {
  it("answers an identical call from the first one for the window, then forgets it", async () => {
    const c = clock();
    const m = new RecentMutations(WINDOW, c.now);
    const key = m.key("retry_tier", "ns", { tier_num: 1 });
    expect(m.get(key)).toBeUndefined();
    const first = reply("retrying");
    const shared = m.track(key, Promise.resolve({ reply: first, keep: true }));
    expect(await shared).toBe(first);
    await settle();
    c.advance(WINDOW - 1);
    expect(await m.get(key)).toBe(first);
    c.advance(1);
    expect(m.get(key)).toBeUndefined();
    expect(size(m)).toBe(0);
  });

  it("shares a call in flight, however long it takes, and starts the window when it settles", async () => {
    const c = clock();
    const m = new RecentMutations(WINDOW, c.now);
    const key = m.key("cancel_batch", "ns", {});
    const pending = deferred();
    const shared = m.track(key, pending.promise);
    c.advance(10 * WINDOW);
    expect(m.get(key)).toBe(shared);
    const answer = reply("canceled");
    pending.resolve({ reply: answer, keep: true });
    await settle();
    c.advance(WINDOW - 1);
    expect(await m.get(key)).toBe(answer);
    c.advance(1);
    expect(m.get(key)).toBeUndefined();
  });

  it("forgets a call that changed nothing once it settles", async () => {
    const m = new RecentMutations(WINDOW, clock().now);
    const key = m.key("retry_tier", "ns", {});
    const pending = deferred();
    m.track(key, pending.promise);
    expect(m.get(key)).toBeDefined();
    pending.resolve({ reply: reply("refused"), keep: false });
    await settle();
    expect(m.get(key)).toBeUndefined();
  });

  it("forgets a call that threw, and passes the error on", async () => {
    const m = new RecentMutations(WINDOW, clock().now);
    const key = m.key("retry_tier", "ns", {});
    const pending = deferred();
    const shared = m.track(key, pending.promise);
    pending.reject(new Error("boom"));
    await expect(shared).rejects.toThrow("boom");
    await settle();
    expect(m.get(key)).toBeUndefined();
  });

  it("keeps nothing with the window off", async () => {
    const m = new RecentMutations(0, clock().now);
    const key = m.key("retry_tier", "ns", {});
    const answer = reply("retrying");
    const pending = deferred();
    const shared = m.track(key, pending.promise);
    expect(m.get(key)).toBeUndefined();
    pending.resolve({ reply: answer, keep: true });
    expect(await shared).toBe(answer);
    await settle();
    expect(m.get(key)).toBeUndefined();
    expect(size(m)).toBe(0);
  });

  it("drops expired entries when a new call is tracked", async () => {
    const c = clock();
    const m = new RecentMutations(WINDOW, c.now);
    m.track("a", Promise.resolve({ reply: reply("a"), keep: true }));
    await settle();
    c.advance(WINDOW / 2);
    m.track("b", Promise.resolve({ reply: reply("b"), keep: true }));
    await settle();
    c.advance(WINDOW / 2);
    expect(size(m)).toBe(2);
    m.track("c", Promise.resolve({ reply: reply("c"), keep: true }));
    expect(m["entries"].has("a")).toBe(false);
    expect([...m["entries"].keys()]).toEqual(["b", "c"]);
  });
});

describe("asDeduplicated", () => {
  it("puts a note first and marks the structured result, leaving the original untouched", () => {
    const original: CallToolResult = { content: [{ type: "text", text: "## Retry" }], structuredContent: { outcome: "retrying" } };
    const marked = asDeduplicated(original, 60_000);
    expect(marked).toEqual({
      content: [
        { type: "text", text: "Deduplicated: the same call was made within the last 60 s; this is its result, nothing was sent again." },
        { type: "text", text: "## Retry" },
      ],
      structuredContent: { outcome: "retrying", deduplicated: true },
    });
    expect(original).toEqual({ content: [{ type: "text", text: "## Retry" }], structuredContent: { outcome: "retrying" } });
  });

  it("marks an error reply without structured content, and rounds the window to seconds", () => {
    const marked = asDeduplicated({ content: [{ type: "text", text: "Outcome unknown" }], isError: true }, 1_499);
    expect(marked).toEqual({
      content: [
        { type: "text", text: "Deduplicated: the same call was made within the last 1 s; this is its result, nothing was sent again." },
        { type: "text", text: "Outcome unknown" },
      ],
      isError: true,
    });
    expect(marked).not.toHaveProperty("structuredContent");
  });
});
