// Prompts: short runbooks that tell an agent how to use the tools for a whole task.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { completable } from "@modelcontextprotocol/sdk/server/completable.js";
import { z } from "zod";
import { bucketArg } from "./arguments.js";

type Completer = (value: string, context?: { arguments?: Record<string, string> }) => Promise<string[]>;

export function registerPrompts(server: McpServer, completeBatchId: Completer): void {
  server.registerPrompt("triage-batch", {
    title: "Triage a batch",
    description: "Runbook: find out why a batch failed or is stuck, fix it safely, and report.",
    argsSchema: {
      bucket: bucketArg,
      batch_id: completable(z.string().describe("Batch id, e.g. btch_k3j4h5g6f7d8"), completeBatchId),
    },
  }, ({ bucket, batch_id }) => userMessage([
    `Triage Mixpeek batch ${batch_id} in bucket ${bucket}.`,
    `1. Call diagnose_batch {"bucket":${JSON.stringify(bucket)},"batch_id":${JSON.stringify(batch_id)}} and read its summary.`,
    "2. Follow its recommendations in order. A recommendation with a `tool` has complete arguments: use them as given. One without a tool needs a human: stop and say exactly what they must fix.",
    "3. Destructive steps (cancel_*, kill_duplicate_jobs) ask for confirmation: show the plan to the user and confirm only what they approve.",
    "4. After each change, call wait_for_batch, then diagnose_batch again if the batch is not COMPLETED. Never retry permanent errors blindly; never repeat a call whose outcome is unknown before checking get_batch.",
    "5. Report: what was wrong, what you did (tool calls and outcomes), the final status, and anything left for a human.",
  ]));

  server.registerPrompt("batch-health-report", {
    title: "Batch health report",
    description: "Runbook: summarise the health of a bucket's recent batches.",
    argsSchema: { bucket: bucketArg },
  }, ({ bucket }) => userMessage([
    `Write a health report for the batches of Mixpeek bucket ${bucket}.`,
    `1. Call list_batches {"bucket":${JSON.stringify(bucket)}} (page with offset if next_offset is set, up to 100 batches).`,
    "2. For each FAILED or COMPLETED_WITH_ERRORS batch, and each IN_PROGRESS batch that looks stuck, call diagnose_batch.",
    "3. Report a table: batch_id, status, failure_category, one-line summary, recommended next step. Then totals by status and the top error signatures.",
    "4. Do not change anything: this is a read-only report. Suggest fixes; do not apply them.",
  ]));
}

function userMessage(lines: string[]) {
  return { messages: [{ role: "user" as const, content: { type: "text" as const, text: lines.join("\n") } }] };
}
