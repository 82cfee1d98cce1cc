// A scripted triage over stdio on the sandbox, printed as a transcript: list batches, diagnose
// the failed one, apply the first recommendation, wait; again until it completes.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const cli = new URL("../dist/mixpeek-batch-mcp.mjs", import.meta.url).pathname;
const transport = new StdioClientTransport({
  command: process.execPath, args: [cli, "--sandbox"], stderr: "ignore",
  env: { PATH: process.env.PATH ?? "", MIXPEEK_POLL_INTERVAL_MS: "200" },
});
const client = new Client({ name: "demo", version: "1" });
await client.connect(transport);

const say = (who, text) => console.log(`\n${who === "agent" ? "🤖 agent" : "🛠  server"}: ${text}`);
async function call(name, args) {
  say("agent", `${name} ${JSON.stringify(args)}`);
  const result = await client.callTool({ name, arguments: args });
  say("server", result.content[0].text.split("\n").map((l, i) => (i ? "   " + l : l)).join("\n"));
  if (result.isError) throw new Error(`${name} failed`);
  return result.structuredContent;
}

const bucket = "sandbox-media";
const list = await call("list_batches", { bucket, status: "FAILED" });
// The batch whose documents failed for lack of resources: the out-of-memory scenario.
const oom = list.batches.find((b) => b.error_summary.resource) ?? list.batches[0];
// Diagnose, follow the first step that names a tool, wait; again if the fix was not enough (a job
// that needs more memory than the first retry gave fails once more, and the diagnosis asks for more).
let done;
for (let round = 1; round <= 3 && done?.status !== "COMPLETED"; round++) {
  const diagnosis = await call("diagnose_batch", { bucket, batch_id: oom.batch_id });
  const fix = diagnosis.recommendations.find((r) => r.tool);
  say("agent", `Following recommendation 1: ${fix.title}`);
  await call(fix.tool, fix.arguments);
  done = await call("wait_for_batch", { bucket, batch_id: oom.batch_id, timeout_seconds: 30 });
  say("agent", `Batch ${oom.batch_id} is ${done.status}.`);
}
await client.close();
process.exit(done.status === "COMPLETED" ? 0 : 1);
