// The floor for cold-start comparisons: the smallest useful MCP server written directly on the
// SDK (one tool, stdio). Our server cannot start faster than the SDK itself.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "floor", version: "1.0.0" });
server.registerTool("echo", { description: "Echo a text", inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: "text", text }] }));
await server.connect(new StdioServerTransport());
