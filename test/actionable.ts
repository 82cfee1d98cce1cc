// The checks every triage test applies to every recommendation it meets: a named tool exists,
// its arguments validate against that tool's published input schema as they are, and the text
// content carries the step too (tool and exact arguments), so a client that shows only text
// does not lose the next steps.
import { Ajv } from "ajv";
import { expect } from "vitest";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Recommendation } from "../src/mcp/results.js";

const ajv = new Ajv({ strict: false, allErrors: true });

export function expectActionable(tools: Tool[], recommendations: Recommendation[] | undefined, where: string): void {
  for (const rec of recommendations ?? []) {
    expect(["low", "medium", "high"], where).toContain(rec.risk);
    if (!rec.tool) continue;
    const tool = tools.find((t) => t.name === rec.tool);
    expect(tool, `${where}: unknown tool ${rec.tool}`).toBeDefined();
    const validate = ajv.compile(tool!.inputSchema);
    expect(validate(rec.arguments), `${where}: ${rec.tool} ${JSON.stringify(rec.arguments)} ${JSON.stringify(validate.errors)}`).toBe(true);
  }
}

/** Every recommendation of the result appears in its text: title, and tool with its arguments as JSON. */
export function expectInText(result: { content?: unknown; structuredContent?: unknown }, where: string): void {
  const text = ((result.content ?? []) as CallToolResult["content"]).map((c) => (c.type === "text" ? c.text : "")).join("\n");
  const recommendations = ((result.structuredContent as { recommendations?: Recommendation[] } | undefined)?.recommendations ?? []);
  expect(recommendations.length === 0 || text.includes("recommendations:"), `${where}: no recommendations in the text`).toBe(true);
  for (const rec of recommendations) {
    expect(text, `${where}: "${rec.title}" missing from the text`).toContain(rec.title);
    if (rec.tool) expect(text, `${where}: ${rec.tool} and its arguments missing from the text`).toContain(`${rec.tool} ${JSON.stringify(rec.arguments ?? {})}`);
  }
}

/** A successful tool answer: valid against the tool's published output schema, a text that
 * carries its steps, every step actionable, and never the API key. */
export function expectValidResult(tools: Tool[], name: string, result: { structuredContent?: unknown; isError?: boolean; content?: unknown }, key: string): void {
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  const validate = ajv.compile(tools.find((t) => t.name === name)!.outputSchema!);
  expect(validate(result.structuredContent), JSON.stringify(validate.errors)).toBe(true);
  const text = (result.content as { type: string; text: string }[])[0]!.text;
  expect(text.length).toBeGreaterThan(10);
  expect(text).not.toContain(key);
  expectInText(result, name);
  expectActionable(tools, (result.structuredContent as { recommendations?: Recommendation[] }).recommendations, name);
}
