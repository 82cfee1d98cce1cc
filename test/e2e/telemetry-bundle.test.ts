// The stdio start pays nothing for metrics and traces: in the built bin, neither the entry nor
// the server proper (the runtime chunk) imports prom-client, OpenTelemetry or our telemetry
// sinks; those are chunks of their own, imported only in HTTP mode or with an OTLP endpoint.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI } from "./bin.js";

const CHUNKS = join(dirname(CLI), "chunks");

/** Every file `start` imports statically, itself included. */
function staticImports(start: string, seen = new Set<string>()): Set<string> {
  if (seen.has(start)) return seen;
  seen.add(start);
  for (const m of readFileSync(start, "utf8").matchAll(/(?:^|[;}\n])\s*import\s*(?:[^"'();]*?from\s*)?["'](\.[^"']+)["']/g)) staticImports(join(dirname(start), m[1]!), seen);
  return seen;
}

const TELEMETRY = /opentelemetry|mixpeek_mcp_tool_calls_total/;

describe("the bundle", () => {
  it("loads no metrics or tracing code on a stdio start, and keeps it in chunks of its own", () => {
    if (!existsSync(CLI)) throw new Error("dist/ is missing: run npm run build (npm test does)");
    const runtime = readdirSync(CHUNKS).filter((f) => /^runtime-\w+\.mjs$/.test(f));
    expect(runtime).toHaveLength(1);
    const loaded = new Set([...staticImports(CLI), ...staticImports(join(CHUNKS, runtime[0]!))]);
    expect(loaded.size).toBeGreaterThan(5);
    expect([...loaded].filter((file) => TELEMETRY.test(readFileSync(file, "utf8")))).toEqual([]);
    const own = readdirSync(CHUNKS).filter((f) => /^(metrics|tracing)-\w+\.mjs$/.test(f)).sort();
    expect(own.map((f) => f.split("-")[0])).toEqual(["metrics", "tracing"]);
    for (const file of own) expect(readFileSync(join(CHUNKS, file), "utf8")).toMatch(TELEMETRY);
  });
});
