// Builds the objects a server needs from a configuration: the API client and the MCP server.
// Shared by the stdio CLI, HTTP mode and the tests, so they all run the same wiring.
import { MixpeekClient } from "./api/client.js";
import { MixpeekApi } from "./api/resources.js";
import type { ServerConfig } from "./config.js";
import type { ConfirmationTokens } from "./confirm.js";
import { Logger } from "./log.js";
import { createServer, type SandboxInfo } from "./server.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { TOOLS } from "../tools/index.js";

export interface Runtime { server: McpServer; api: MixpeekApi; logger: Logger; close(): Promise<void> }

export function createRuntime(config: ServerConfig, options: { sandbox?: SandboxInfo; tokens?: ConfirmationTokens; logger?: Logger } = {}): Runtime {
  const client = new MixpeekClient({ baseUrl: config.apiUrl, apiKey: config.apiKey, namespace: config.namespace, timeoutMs: config.timeoutMs });
  const api = new MixpeekApi(client);
  const logger = options.logger ?? new Logger(config.apiKey ? [config.apiKey] : []);
  const server = createServer({ config, api, tools: TOOLS, logger, tokens: options.tokens, sandbox: options.sandbox });
  return {
    server, api, logger,
    async close() { await server.close(); await client.close(); },
  };
}
