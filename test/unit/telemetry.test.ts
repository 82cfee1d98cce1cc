// The closed sets metrics and traces label with: every outcome a tool declares is counted as
// itself, anything else as "other"; and what a call's confirmation counts as.
import { describe, expect, it } from "vitest";
import { CALL_OUTCOMES, summarize } from "../../src/mcp/stages/telemetry.js";
import type { Call, Outcome } from "../../src/mcp/pipeline.js";
import { toolListing } from "../../src/mcp/tool.js";
import { TOOLS } from "../../tools/index.js";

/** Every value an `outcome` property may take anywhere in a JSON Schema. */
function declaredOutcomes(schema: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) declaredOutcomes(item, found);
  else if (schema && typeof schema === "object") {
    const outcome = (schema as { properties?: { outcome?: { const?: string; enum?: string[] } } }).properties?.outcome;
    for (const value of [outcome?.const, ...(outcome?.enum ?? [])]) if (value !== undefined) found.add(value);
    for (const value of Object.values(schema)) declaredOutcomes(value, found);
  }
  return found;
}

const call = (confirmed: Call["confirmed"]) => ({ confirmed }) as Call;
const reply = (structuredContent: Record<string, unknown> | undefined, isError = false): Outcome =>
  ({ reply: { content: [], ...(structuredContent ? { structuredContent } : {}), ...(isError ? { isError } : {}) }, mayHaveApplied: false, deduplicated: false, requestIds: [] });

describe("call outcomes", () => {
  it("list every outcome a tool declares, and nothing no tool declares but done, error and other", () => {
    const declared = new Set(TOOLS.flatMap((tool) => [...declaredOutcomes(toolListing(tool).outputSchema)]));
    expect(declared.size).toBeGreaterThan(10);
    expect([...CALL_OUTCOMES].filter((o) => !declared.has(o)).sort()).toEqual(["done", "error", "other"]);
    expect([...declared].filter((o) => !(CALL_OUTCOMES as readonly string[]).includes(o))).toEqual([]);
  });

  it("count a result without outcome as done, an error as error, a stage that threw as error, an unknown value as other", () => {
    expect(summarize(call("not required"), reply({ batch_id: "b" })).outcome).toBe("done");
    expect(summarize(call("not required"), reply(undefined, true)).outcome).toBe("error");
    expect(summarize(call("not required"), undefined)).toEqual({ outcome: "error", deduplicated: false, confirmations: [] });
    expect(summarize(call("not required"), { ...reply({ outcome: "canceled" }), deduplicated: true }).deduplicated).toBe(true);
    expect(summarize(call("not required"), reply({ outcome: "btch_secret_id" })).outcome).toBe("other");
  });

  it("count confirmations: asked when a plan is shown, accepted by a token or a yes, refused by a no or a bad token", () => {
    const of = (confirmed: Call["confirmed"], outcome?: string) => summarize(call(confirmed), reply(outcome ? { outcome } : {})).confirmations;
    expect(of("pending", "confirmation_required")).toEqual(["asked"]);
    expect(of("token", "canceled")).toEqual(["accepted"]);
    expect(of("elicitation", "canceled")).toEqual(["asked", "accepted"]);
    expect(of("declined", "declined")).toEqual(["asked", "refused"]);
    expect(of("refused")).toEqual(["refused"]);
    expect(of("not required", "canceled")).toEqual([]);
    expect(of("disabled", "canceled")).toEqual([]);
  });
});
