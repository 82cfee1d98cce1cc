// Every memory of the safety pieces is bounded in count, not only in time: the dedup window
// forgets its oldest settled calls past its capacity (never one in flight), the used-token set
// refuses confirmations when full (forgetting a used token would allow a replay), and the
// incident memory without an audit file keeps its last 1,000 entries.
import { describe, expect, it } from "vitest";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AuditLog, type AuditEntry } from "../../src/safety/audit.js";
import { ConfirmationTokens, LocalUsedTokens, MAX_USED_TOKENS } from "../../src/safety/confirm.js";
import { MAX_REMEMBERED, RecentMutations } from "../../src/safety/dedupe.js";
import { IncidentMemory } from "../../src/safety/incident-memory.js";

const reply = (text: string): CallToolResult => ({ content: [{ type: "text", text }] });
const settle = () => new Promise((resolve) => setImmediate(resolve));
const applied = (text: string) => Promise.resolve({ reply: reply(text), keep: true });

describe("RecentMutations capacity", () => {
  it("defaults to 1,000 settled calls", () => {
    expect(MAX_REMEMBERED).toBe(1_000);
    expect(new RecentMutations(60_000).capacity).toBe(MAX_REMEMBERED);
  });

  it("forgets the oldest settled calls past its capacity, within the window", async () => {
    const m = new RecentMutations(3_600_000, Date.now, 3);
    for (const name of ["a", "b", "c", "d", "e"]) {
      void m.track(m.key("retry_tier", "ns", { batch_id: name }), applied(name));
      await settle();
    }
    expect(m["entries"].size).toBe(3);
    expect(m.get(m.key("retry_tier", "ns", { batch_id: "a" }))).toBeUndefined();
    expect(m.get(m.key("retry_tier", "ns", { batch_id: "b" }))).toBeUndefined();
    expect(await m.get(m.key("retry_tier", "ns", { batch_id: "e" }))).toEqual(reply("e"));
  });

  it("never forgets a call in flight, so its identical repeat still shares it", async () => {
    const m = new RecentMutations(3_600_000, Date.now, 2);
    const inFlight = m.key("cancel_batch", "ns", { batch_id: "running" });
    let finish!: (value: { reply: CallToolResult; keep: boolean }) => void;
    void m.track(inFlight, new Promise((resolve) => { finish = resolve; }));
    for (const name of ["a", "b", "c", "d"]) {
      void m.track(m.key("retry_tier", "ns", { batch_id: name }), applied(name));
      await settle();
    }
    expect(m["entries"].size).toBeLessThanOrEqual(2);
    const shared = m.get(inFlight);
    expect(shared).toBeDefined();
    finish({ reply: reply("canceled"), keep: true });
    expect(await shared).toEqual(reply("canceled"));
  });
});

describe("ConfirmationTokens capacity", () => {
  const args = (n: number) => ({ bucket: "b", batch_id: `btch_${n}` });

  it("defaults to 10,000 used tokens", () => {
    expect(MAX_USED_TOKENS).toBe(10_000);
    expect(new LocalUsedTokens().capacity).toBe(MAX_USED_TOKENS);
  });

  it("refuses a good token when the used set is full, and accepts it once older tokens expire", async () => {
    let now = 1_000_000;
    const used = new LocalUsedTokens(() => now, 3);
    const tokens = new ConfirmationTokens(undefined, () => now, used);
    for (let n = 0; n < 3; n++) {
      const { token } = tokens.issue("cancel_batch", args(n), "ns", "state");
      expect(await tokens.verify(token, "cancel_batch", args(n), "ns", "state")).toEqual({ ok: true });
    }
    now += 60_000;
    const { token } = tokens.issue("cancel_batch", args(3), "ns", "state");
    const refused = await tokens.verify(token, "cancel_batch", args(3), "ns", "state");
    expect(refused.ok).toBe(false);
    expect((refused as { reason: string }).reason).toMatch(/over 3 confirmations/);
    expect(used["used"].size).toBe(3);
    // The first three expire 5 minutes after they were issued; the fourth is still valid then.
    now += 4 * 60_000 + 1;
    expect(await tokens.verify(token, "cancel_batch", args(3), "ns", "state")).toEqual({ ok: true });
    expect(used["used"].size).toBe(1);
  });
});

describe("IncidentMemory without an audit file", () => {
  it("keeps the last 1,000 entries", async () => {
    const memory = new IncidentMemory(new AuditLog(undefined));
    const entry = (n: number): AuditEntry => ({
      time: new Date().toISOString(), tool: "retry_tier", arguments: { batch_id: `btch_${n}` }, namespace: "ns", credential: "c",
      outcome: "retrying", request_ids: [], duration_ms: 1, deduplicated: false, confirmed: "not required",
    });
    for (let n = 0; n < 1_500; n++) memory.append(entry(n));
    const recent = await memory.recent({ namespace: "ns", credential: "c" });
    expect(recent).toHaveLength(1_000);
    expect(recent[0]!.arguments["batch_id"]).toBe("btch_1499");
    expect(recent.at(-1)!.arguments["batch_id"]).toBe("btch_500");
  });
});
