// The tool catalogue exactly as a client sees it in tools/list: produced by a real server over
// an in-memory transport, so list-tools, the README table and the token counts cannot drift.
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { DEFAULT_BUDGETS, type ServerConfig } from "../cli/config.js";
import type { Greeting } from "../transport/deferred-start.js";
import { withClient } from "./in-memory.js";
import { DEFAULT_TOOLSETS, TOOLSETS } from "./toolsets.js";
import { TOOLS } from "../../tools/index.js";

export const CATALOGUE_CONFIG: ServerConfig = {
  command: "serve", transport: "stdio", sandbox: false, apiUrl: "http://127.0.0.1:9", apiKey: "", namespace: "catalogue",
  timeoutMs: 1000, toolsets: TOOLSETS, readOnly: false, disableDestructive: false, tools: undefined, confirm: "elicit", pollIntervalMs: 1000,
  dedupeWindowMs: 60_000, auditLog: undefined, confirmSecret: undefined, variant: undefined, logLevel: "info",
  redisUrl: undefined, budgets: DEFAULT_BUDGETS,
  http: { port: 0, host: "127.0.0.1", authToken: undefined, allowedHosts: [], allowedOrigins: [] },
};

export const listTools = (config: ServerConfig = CATALOGUE_CONFIG): Promise<Tool[]> =>
  withClient(config, async (client) => (await client.listTools()).tools);

/** What the server answers to initialize (outside the sandbox, whose instructions name it). */
export const serverGreeting = (config: ServerConfig = CATALOGUE_CONFIG): Promise<Greeting> =>
  withClient(config, async (client) => ({
    serverInfo: client.getServerVersion()!, capabilities: client.getServerCapabilities()!, instructions: client.getInstructions() ?? "",
  }));

/** Markdown tables for the README and list-tools, one per toolset: name, arguments, safety class
 * and what it does. */
export function toolTable(tools: Tool[]): string {
  const toolsetOf = new Map(TOOLS.map((tool) => [tool.name, tool.toolset]));
  return TOOLSETS.map((toolset) => {
    const rows = tools.filter((tool) => toolsetOf.get(tool.name) === toolset).map((tool) => {
      const a = tool.annotations ?? {};
      const kind = a.readOnlyHint ? "read-only" : a.destructiveHint ? "destructive, confirms" : a.idempotentHint ? "write, idempotent" : "write";
      const args = Object.keys((tool.inputSchema.properties ?? {}) as object)
        .map((name) => ((tool.inputSchema.required ?? []) as string[]).includes(name) ? name : `${name}?`).join(", ");
      return `| \`${tool.name}\` | ${args} | ${kind} | ${tool.description} |`;
    });
    if (!rows.length) return "";
    const heading = `**${toolset}**${DEFAULT_TOOLSETS.includes(toolset) ? " (served by default)" : ""}`;
    return [heading, "", "| tool | arguments | kind | what it does |", "|---|---|---|---|", ...rows].join("\n");
  }).filter(Boolean).join("\n\n");
}
