// A real MCP client connected in memory to a server built from a configuration: how the build
// reads the tool catalogue and how the report command calls a tool, through the same path (the
// SDK's validation, the call pipeline, the result budget) as any client's call.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { ServerConfig } from "../cli/config.js";
import { Logger } from "../util/log.js";
import { createRuntime } from "./runtime.js";

export async function withClient<T>(config: ServerConfig, use: (client: Client) => Promise<T>, logger = new Logger([], { stderr: false })): Promise<T> {
  const runtime = createRuntime(config, { logger });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "mixpeek-batch-mcp", version: "1" });
  await runtime.server.connect(serverSide);
  await client.connect(clientSide);
  try {
    return await use(client);
  } finally {
    await client.close();
    await runtime.close();
  }
}
