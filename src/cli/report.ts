// `report <bucket> <batch_id>`: runs diagnose_batch once, through a real client and the same
// server as every other call, and writes the view page with its result embedded: one file to
// attach to an incident channel or a postmortem.
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { withClient } from "../mcp/in-memory.js";
import { diagnosisPage, embedDiagnosis } from "../mcp/page.js";
import type { ReportConfig } from "./config.js";

/** Writes the report and returns its absolute path. A failure's message is one line for main to
 * print: what failed and the next step. */
export async function writeReport(config: ReportConfig): Promise<string> {
  const result = await withClient(config.server, (client) =>
    client.callTool({ name: "diagnose_batch", arguments: { bucket: config.bucket, batch_id: config.batchId } })) as CallToolResult;
  if (result.isError || !result.structuredContent) {
    const text = result.content.map((block) => (block.type === "text" ? block.text : "")).join(" ").replace(/\s+/g, " ").trim();
    // The tool's error text says what failed, whether a retry helps and the next step.
    throw new Error(text || "diagnose_batch gave no result.");
  }
  const page = embedDiagnosis(await diagnosisPage(), result.structuredContent);
  // Without --out, the file is named after the batch, with only characters safe in a file name.
  const path = resolve(config.out ?? `${config.batchId.replace(/[^\w.-]/g, "_")}.html`);
  await writeFile(path, page).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot write ${path} (${error.code ?? error.message}): choose another file with --out.`);
  });
  return path;
}
