// Resources: a batch and its diagnosis as readable documents, with completion of batch ids so a
// client can offer them in a picker. They reuse the tools' handlers, so they show the same view.
import { ResourceTemplate, type McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { IncidentRecord, MemoryScope } from "../safety/incident-memory.js";
import { SharedStateUnavailable } from "../safety/state.js";
import type { Api } from "../api/mixpeek-api.js";
import { traceRequests } from "../api/trace.js";
import { safeText } from "../util/text.js";
import { describeError } from "./errors.js";
import { toStructured } from "./render.js";
import type { ToolContext, ToolDefinition } from "./tool.js";

type ContextFor = (extra: { signal: AbortSignal }, tool: ToolDefinition) => ToolContext;
export type BatchIdCompleter = (value: string, context?: { arguments?: Record<string, string> }) => Promise<string[]>;

export function batchIdCompleter(api: Api<"listBatches">, fallbackBucket: string | undefined, secrets: readonly string[] = []): BatchIdCompleter {
  return async (value, context) => {
    const bucket = context?.arguments?.["bucket"] ?? fallbackBucket;
    if (!bucket) return [];
    try {
      const { data } = await api.call("listBatches", { params: { bucket }, body: { limit: 100 } });
      // An id that is not safe to show as it is (too long, a control character, the key) is no usable id.
      return (data.items ?? []).map((b) => b.batch_id).filter((id) => id.startsWith(value) && safeText(id, 100, secrets) === id).slice(0, 100);
    } catch {
      return []; // completion is a convenience: an unknown bucket just offers nothing
    }
  };
}

export function registerResources(
  server: McpServer, tools: { getBatch: ToolDefinition; diagnoseBatch: ToolDefinition }, contextFor: ContextFor,
  completeBatchId: BatchIdCompleter, sandboxBucket: string | undefined, policy: { namespace: string | undefined; secrets: string[] },
): void {
  const complete = {
    bucket: async () => (sandboxBucket ? [sandboxBucket] : []),
    batch_id: completeBatchId,
  };
  // The same rule as a tool's answer (render.ts): redacted, one line per string, within the
  // budget; an error is the tool's error text, never the API's raw message.
  const read = (tool: ToolDefinition) => async (uri: URL, variables: Record<string, string | string[]>, extra: { signal: AbortSignal }) => {
    const args = { bucket: String(variables["bucket"]), batch_id: String(variables["batch_id"]) };
    const { result } = await traceRequests(async () => {
      try {
        return toStructured(tool, await tool.run(args, contextFor(extra, tool)));
      } catch (error) {
        throw new Error(describeError(error, { tool: tool.name, args, readOnly: true, ...policy }));
      }
    }, policy.secrets);
    return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(result) }] };
  };
  server.registerResource("batch", new ResourceTemplate("mixpeek://buckets/{bucket}/batches/{batch_id}", { list: undefined, complete }), {
    title: "Batch", description: "A batch's status per tier (the get_batch view).", mimeType: "application/json",
  }, read(tools.getBatch));
  server.registerResource("batch-diagnosis", new ResourceTemplate("mixpeek://buckets/{bucket}/batches/{batch_id}/diagnosis", { list: undefined, complete }), {
    title: "Batch diagnosis", description: "Why a batch failed and what to do (the diagnose_batch view).", mimeType: "application/json",
  }, read(tools.diagnoseBatch));
}

/** What the caller changed recently, newest first: its own part of the audit log. Over HTTP
 * many tenants share one server, so only entries of the caller's namespace and key are shown,
 * and nothing about the server itself (such as the audit file's path). */
export function registerAuditResource(server: McpServer, memory: IncidentRecord, scope: MemoryScope): void {
  server.registerResource("audit-recent", "mixpeek://audit/recent", {
    title: "Recent changes (audit log)",
    description: "The last 50 mutating calls made with your key in your namespace: tool, arguments, outcome, request ids.",
    mimeType: "application/json",
  }, async (uri) => {
    // Without the shared store the record is unknown, not empty: say so instead of listing nothing.
    const read = await memory.recent(scope, 50).then((entries) => ({ entries }), (error: unknown) => {
      if (!(error instanceof SharedStateUnavailable)) throw error;
      return { entries: null, note: `The record of recent changes could not be read: ${error.message}. It can be read again once the store is back.` };
    });
    return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(read) }] };
  });
}
