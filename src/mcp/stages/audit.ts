// One audit line per mutating call (what, on what, how it ended, how it was confirmed), which is
// also the incident memory diagnose_batch reads; successful changes are logged too.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { IncidentRecord, MemoryScope } from "../../safety/incident-memory.js";
import { isMutating, type Stage } from "../pipeline.js";

export const auditStage = (memory: IncidentRecord, scope: MemoryScope, log: (message: string) => void): Stage => async (call, next) => {
  if (!isMutating(call)) return next();
  const started = Date.now();
  const outcome = await next();
  const { reply } = outcome;
  await memory.append({
    time: new Date(started).toISOString(), tool: call.tool.name, arguments: call.args, namespace: scope.namespace, credential: scope.credential,
    outcome: outcomeOf(reply), request_ids: outcome.requestIds, duration_ms: Date.now() - started, deduplicated: outcome.deduplicated,
    confirmed: outcome.deduplicated ? "not required" : call.confirmed,
    ...(reply.isError ? { error: textOf(reply).split("\n")[0]! } : {}),
  });
  if (!reply.isError && !outcome.deduplicated) log(`${call.tool.name} ${JSON.stringify(call.args)} → ${outcomeOf(reply)}`);
  return outcome;
};

const textOf = (reply: CallToolResult) => reply.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
export const outcomeOf = (reply: CallToolResult): string =>
  reply.isError ? "error" : String((reply.structuredContent as Record<string, unknown> | undefined)?.["outcome"] ?? "done");
