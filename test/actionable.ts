// The check every triage test applies to every recommendation it meets: a named tool exists,
// and its arguments validate against that tool's published input schema as they are.
import { Ajv } from "ajv";
import { expect } from "vitest";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
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
