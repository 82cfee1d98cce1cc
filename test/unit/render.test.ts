// renderResult: the text a client without structuredContent reads. Every recommendation must be
// there with its tool and exact arguments (a text-only agent must not lose the next steps),
// facts render compactly and predictably, and API text stays one quoted field.
import { describe, expect, it } from "vitest";
import { renderResult } from "../../src/mcp/render.js";
import type { Recommendation } from "../../src/mcp/results.js";

const lines = (title: string, result: Record<string, unknown>) => renderResult(title, result).split("\n");

describe("recommendations in the text", () => {
  const recs: Recommendation[] = [
    { title: "Retry tier 1 with 16 GiB memory", rationale: "Tier 1 ran out of memory.", risk: "low", tool: "retry_tier",
      arguments: { bucket: "media", batch_id: "btch_1", tier_num: 1, memory_bytes: 17179869184 } },
    { title: "Cancel tier 2", rationale: "It can never finish.", risk: "medium", tool: "cancel_tier" },
    { title: "Fix the input (human action)", rationale: "Retrying will not help.", risk: "low" },
  ];

  it("lists each step with its risk, tool and exact JSON arguments, and its rationale below", () => {
    expect(lines("Diagnosis", { status: "FAILED", recommendations: recs })).toEqual([
      "## Diagnosis",
      "status: FAILED",
      "recommendations:",
      '  1. [low risk] Retry tier 1 with 16 GiB memory → retry_tier {"bucket":"media","batch_id":"btch_1","tier_num":1,"memory_bytes":17179869184}',
      "     Tier 1 ran out of memory.",
      "  2. [medium risk] Cancel tier 2 → cancel_tier {}",
      "     It can never finish.",
      "  3. [low risk] Fix the input (human action) (no tool: a human must act)",
      "     Retrying will not help.",
    ]);
  });

  it("arguments in the text parse back to the structured ones", () => {
    const text = renderResult("x", { recommendations: recs });
    const json = /→ retry_tier (\{.*\})$/m.exec(text)![1]!;
    expect(JSON.parse(json)).toEqual(recs[0]!.arguments);
  });

  it("says 'none' for an empty list, and nothing when the result has no list", () => {
    expect(lines("Batch", { status: "COMPLETED", recommendations: [] })).toEqual(["## Batch", "status: COMPLETED", "recommendations: none"]);
    expect(lines("Batch", { status: "COMPLETED" })).toEqual(["## Batch", "status: COMPLETED"]);
    expect(renderResult("Batch", { recommendations: "soon" })).toBe("## Batch");
  });

  it("puts the recommendations after every fact, even nested ones", () => {
    const out = lines("T", { recommendations: [recs[2]], tiers: [{ tier_num: 0 }], status: "FAILED" });
    expect(out.indexOf("recommendations:")).toBe(out.length - 3);
    expect(out.slice(0, 4)).toEqual(["## T", "status: FAILED", "tiers (1):", "  - tier_num=0"]);
  });
});

describe("facts", () => {
  it("puts scalars on one line and skips empty values", () => {
    expect(lines("T", { a: 1, b: true, c: null, d: undefined, e: [], f: {}, g: { h: null, i: [] }, j: "x", k: 0, l: false, m: "" })).toEqual([
      "## T", "a: 1 · b: true · j: x · k: 0 · l: false · m: ",
    ]);
    expect(lines("T", {})).toEqual(["## T"]);
  });

  it("joins lists of scalars, and renders nested objects as k=v after their key", () => {
    expect(lines("T", { ids: ["a", "b", 3], resources: { memory_bytes: 8, requires_gpu: true, nothing: null, list: [1, 2] } })).toEqual([
      "## T", "ids: a, b, 3", "resources: memory_bytes=8 requires_gpu=true list=[1, 2]",
    ]);
  });

  it("renders lists of objects one line per item, nested parts indented below", () => {
    const result = {
      batch_id: "btch_1",
      tiers: [
        { tier_num: 0, status: "COMPLETED", jobs: [{ id: "r0", status: "COMPLETED" }], params: { gpu: true } },
        { tier_num: 1, status: "FAILED", jobs: [], errors: ["boom"] },
      ],
    };
    expect(lines("Batch", result)).toEqual([
      "## Batch",
      "batch_id: btch_1",
      "tiers (2):",
      "  - tier_num=0 status=COMPLETED",
      "    jobs (1):",
      "      - id=r0 status=COMPLETED",
      "    params: gpu=true",
      "  - tier_num=1 status=FAILED errors=[boom]",
    ]);
  });

  it("renders a list item that is a scalar, or has no scalars, on its own line", () => {
    expect(lines("T", { mixed: [1, { a: 2 }], only_nested: [{ inner: { x: 1 } }] })).toEqual([
      "## T", "mixed (2):", "  - 1", "  - a=2", "only_nested (1):", "  - ", "    inner: x=1",
    ]);
  });

  it("shows at most 25 rows of a list and says how many more there are", () => {
    const rows = Array.from({ length: 27 }, (_, i) => ({ n: i }));
    const out = lines("T", { rows });
    expect(out[1]).toBe("rows (27):");
    expect(out.filter((l) => l.startsWith("  - "))).toHaveLength(25);
    expect(out.at(-2)).toBe("  - n=24");
    expect(out.at(-1)).toBe("  … 2 more in structuredContent");
    expect(lines("T", { rows: rows.slice(0, 25) }).at(-1)).toBe("  - n=24");
  });
});

describe("cells", () => {
  it("quotes text with spaces, quotes, backticks or backslashes as JSON, and leaves plain words bare", () => {
    expect(lines("T", { a: "plain", b: "two words", c: 'say "hi"', d: "it's", e: "a`b", f: "a\\b", g: "tab\there" })[1]).toBe(
      'a: plain · b: "two words" · c: "say \\"hi\\"" · d: "it\'s" · e: "a`b" · f: "a\\\\b" · g: "tab\\there"',
    );
    expect(lines("T", { items: [{ message: "line one\nline two" }] })[2]).toBe('  - message="line one\\nline two"');
  });

  it("cuts long text at 200 characters, but never a confirm_token", () => {
    const long = "x".repeat(250);
    expect(lines("T", { a: long })[1]).toBe(`a: ${"x".repeat(200)}…`);
    expect(lines("T", { a: "x".repeat(200) })[1]).toBe(`a: ${"x".repeat(200)}`);
    expect(lines("T", { confirm_token: long })[1]).toBe(`confirm_token: ${long}`);
    expect(lines("T", { list: [long] })[1]).toBe(`list: ${"x".repeat(200)}…`);
    expect(lines("T", { list: [{ confirm_token: long }] })[2]).toBe(`  - confirm_token=${long}`);
  });

  it("does not quote numbers or booleans", () => {
    expect(lines("T", { n: 1.5, b: false, ns: [1, 2] })[1]).toBe("n: 1.5 · b: false · ns: 1, 2");
  });
});
