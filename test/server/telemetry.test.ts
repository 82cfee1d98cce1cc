// What a telemetry sink (metrics, traces) is told of each call through the real server, the SDK
// client and the emulator: every API request the call made, as it ends, then the call's summary.
import { afterEach, describe, expect, it } from "vitest";
import type { ApiExchange } from "../../src/api/trace.js";
import type { CallSummary, Telemetry } from "../../src/mcp/stages/telemetry.js";
import { requestsFor, startHarness, type Harness } from "../harness.js";

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

describe("telemetry stage", () => {
  it("reports each API request of a call to every sink, then the call's outcome", async () => {
    const seen: { tool: string; requests: Pick<ApiExchange, "operation" | "status">[]; summary?: CallSummary }[] = [];
    const sink: Telemetry = {
      startCall(tool) {
        const call: (typeof seen)[number] = { tool, requests: [] };
        seen.push(call);
        return { request: ({ operation, status }) => call.requests.push({ operation, status }), end: (summary) => { call.summary = summary; } };
      },
    };
    const ends: CallSummary[] = [];
    h = await startHarness({ telemetry: [sink, { startCall: () => ({ end: (summary) => ends.push(summary) }) }] });
    const ref = { bucket: h.bucket, batch_id: h.batches["healthy-completed"] };
    await h.call("get_batch", ref);
    await h.call("update_batch", { ...ref, metadata: { run: 1 } });
    expect(seen).toEqual([
      { tool: "get_batch", requests: [{ operation: "getBatch", status: 200 }], summary: { outcome: "done", deduplicated: false, confirmations: [] } },
      {
        tool: "update_batch",
        requests: requestsFor(h.emulator, "updateBatch").map(() => ({ operation: "updateBatch", status: 200 })),
        summary: { outcome: "updated", deduplicated: false, confirmations: [] },
      },
    ]);
    expect(seen[1]!.requests).toHaveLength(1);
    expect(ends.map((s) => s.outcome)).toEqual(["done", "updated"]);
  });
});
