// Edges of the tolerant timestamp reader that tolerant.test.ts leaves open: text that only starts
// or only ends like a timestamp is kept as sent, and Python's microseconds are read to the millisecond.
import { describe, expect, it } from "vitest";
import { traceRequests } from "../../src/api/trace.js";
import { toTimestamp } from "../../src/api/tolerant.js";

async function traced(read: () => unknown): Promise<{ result: unknown; shapes: string[] }> {
  const { result, shapes } = await traceRequests(async () => read());
  return { result, shapes: [...shapes] };
}

describe("toTimestamp edges", () => {
  it("keeps text with a date inside it, rather than at its start, as sent", async () => {
    expect(await traced(() => toTimestamp("on 2026-11-23"))).toEqual({ result: "on 2026-11-23", shapes: [] });
    expect(toTimestamp("x2026-11-23T09:00:00.123Z")).toBe("x2026-11-23T09:00:00.123Z");
  });

  it("reads a zone only at the end: a canonical time followed by more text is not canonical, and is kept", async () => {
    expect(await traced(() => toTimestamp("2026-11-23T09:00:00.123Zjunk"))).toEqual({
      result: "2026-11-23T09:00:00.123Zjunk", shapes: ["timestamps without a zone (read as UTC)"],
    });
    expect(await traced(() => toTimestamp("2026-11-23T09:00:00+05:00 x"))).toEqual({
      result: "2026-11-23T09:00:00+05:00 x", shapes: ["timestamps without a zone (read as UTC)"],
    });
  });

  it("cuts microseconds to milliseconds, with or without a zone", () => {
    expect(toTimestamp("2026-11-23T09:00:00.123456")).toBe("2026-11-23T09:00:00.123Z");
    expect(toTimestamp("2026-11-23 09:00:00.999999+01:00")).toBe("2026-11-23T08:00:00.999Z");
  });
});
