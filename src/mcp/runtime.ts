// Builds the objects a server needs from a configuration: the API client and the MCP server.
// Shared by the stdio CLI, HTTP mode and the tests, so they all run the same wiring.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Dispatcher } from "undici";
import { MixpeekClient } from "../api/client.js";
import { MixpeekApi } from "../api/mixpeek-api.js";
import type { ServerConfig } from "../cli/config.js";
import type { ConfirmationTokens } from "../safety/confirm.js";
import type { SharedState } from "../safety/state.js";
import { Logger } from "../util/log.js";
import { createServer, type SandboxInfo } from "./server.js";
import type { Telemetry } from "./stages/telemetry.js";
import { TOOLS } from "../../tools/index.js";

export interface Runtime { server: McpServer; api: MixpeekApi; logger: Logger; close(): Promise<void> }

/** What outlives one connection in HTTP mode: connection pool, confirmation secret, and the
 * shared state (duplicate window, used tokens, audit and incident memory, budgets). Absent
 * pieces are created per runtime. */
export interface RuntimeOptions {
  sandbox?: SandboxInfo | undefined;
  logger?: Logger;
  tokens?: ConfirmationTokens | undefined;
  state?: SharedState;
  dispatcher?: Dispatcher;
  /** Build only what one tools/call of this tool needs (see ServerDeps.callOnly). */
  callOnly?: string | undefined;
  telemetry?: readonly Telemetry[] | undefined;
}

export function createRuntime(config: ServerConfig, options: RuntimeOptions = {}): Runtime {
  const client = new MixpeekClient({
    baseUrl: config.apiUrl, apiKey: config.apiKey, namespace: config.namespace, timeoutMs: config.timeoutMs,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const api = new MixpeekApi(client);
  const logger = options.logger ?? new Logger(config.apiKey ? [config.apiKey] : [], { minLevel: config.logLevel });
  const server = createServer({
    config, api, tools: TOOLS, logger, sandbox: options.sandbox, callOnly: options.callOnly, telemetry: options.telemetry,
    ...(options.tokens ? { tokens: options.tokens } : {}),
    ...(options.state ? { state: options.state } : {}),
  });
  return {
    server, api, logger,
    async close() { await server.close(); await client.close(); },
  };
}
