// Arguments for any tool of the catalogue, for the suites that call every tool (hostile text,
// tenants): the values a suite knows by argument name, and for any other required argument a
// value built from the tool's input schema, so a new tool is called without editing the suites.
import { toolListing, type ToolDefinition } from "../src/mcp/tool.js";

type Schema = Record<string, any>;

/** The tool's arguments: every argument `known` names, plus a schema-built value for each
 * required one it does not (confirm_token is never sent). */
export function argumentsFor(tool: ToolDefinition, known: Record<string, unknown>): Record<string, unknown> {
  const schema = toolListing(tool).inputSchema as Schema;
  const required = new Set<string>(schema["required"] ?? []);
  const args: Record<string, unknown> = {};
  for (const [name, property] of Object.entries((schema["properties"] ?? {}) as Record<string, Schema>)) {
    if (name === "confirm_token") continue;
    if (known[name] !== undefined) args[name] = known[name];
    else if (required.has(name)) args[name] = sample(property, name);
  }
  return args;
}

/** Values for argument and field names whose schema a generic value would not pass (patterns). */
const BY_NAME: Record<string, unknown> = {
  filename: "clip.mp4", content_type: "video/mp4", object_ids: ["obj_0001"], upload_id: "upl_sample_1", metadata: { owner: "suite" },
};

/** A plain value the schema accepts where it can tell: a value known by name, the first enum
 * value, the minimum, one item. */
export function sample(schema: Schema, name?: string): unknown {
  if (name !== undefined && BY_NAME[name] !== undefined) return BY_NAME[name];
  if (schema["const"] !== undefined) return schema["const"];
  if (Array.isArray(schema["enum"])) return schema["enum"][0];
  const options = (schema["anyOf"] ?? schema["oneOf"]) as Schema[] | undefined;
  if (options) return sample(options.find((o) => o["type"] !== "null") ?? options[0]!);
  const type = Array.isArray(schema["type"]) ? schema["type"].find((t: string) => t !== "null") : schema["type"];
  switch (type) {
    case "string": {
      const text = "sample_value_1";
      const min = Number(schema["minLength"] ?? 0);
      const max = Number(schema["maxLength"] ?? text.length);
      return text.padEnd(min, "x").slice(0, Math.max(min, Math.min(max, text.length)));
    }
    case "integer": case "number": return Math.max(Number(schema["minimum"] ?? 0), schema["exclusiveMinimum"] !== undefined ? Number(schema["exclusiveMinimum"]) + 1 : 0);
    case "boolean": return false;
    case "array": return Array.from({ length: Math.max(1, Number(schema["minItems"] ?? 1)) }, () => sample((schema["items"] ?? {}) as Schema));
    case "object": {
      const required = new Set<string>(schema["required"] ?? []);
      return Object.fromEntries(Object.entries((schema["properties"] ?? {}) as Record<string, Schema>)
        .filter(([name]) => required.has(name)).map(([name, property]) => [name, sample(property, name)]));
    }
    default: return "sample_value_1";
  }
}
