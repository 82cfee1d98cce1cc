// The bundled bin's MCP App view and report command: the prebuilt tools/list carries the view's
// _meta, the bin serves the page it was built with, and `report` writes that page with the
// diagnosis embedded. Needs `npm run build` (npm test does it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";
import { diagnosisPage } from "../../src/mcp/page.js";
import { APP_MIME_TYPE, DIAGNOSIS_VIEW_URI } from "../../src/mcp/view.js";
import { CLI, cleanEnv } from "./bin.js";

let client: Client | undefined;
afterEach(async () => { await client?.close(); client = undefined; });

const CREDENTIALS = { MIXPEEK_API_KEY: "sk_test_view_0123456789", MIXPEEK_NAMESPACE: "ns_view", MIXPEEK_API_URL: "http://127.0.0.1:9", MIXPEEK_AUDIT_LOG: "off" };

describe("the bin serves the view", () => {
  it("lists diagnose_batch with its view from the prebuilt listing, and reads the page it was built with", async () => {
    client = new Client({ name: "e2e", version: "1" });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI], env: { ...cleanEnv(), ...CREDENTIALS }, stderr: "pipe" }));
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === "diagnose_batch")?._meta).toEqual({ ui: { resourceUri: DIAGNOSIS_VIEW_URI }, "ui/resourceUri": DIAGNOSIS_VIEW_URI });
    const { contents } = await client.readResource({ uri: DIAGNOSIS_VIEW_URI });
    expect(contents).toEqual([{ uri: DIAGNOSIS_VIEW_URI, mimeType: APP_MIME_TYPE, text: await diagnosisPage() }]);
  });
});

describe("report", () => {
  const run = (args: string[], cwd: string) =>
    spawnSync(process.execPath, [CLI, "report", ...args], { cwd, env: cleanEnv(), encoding: "utf8", timeout: 20_000 });
  const embedded = (html: string) =>
    JSON.parse(/<script type="application\/json" id="diagnosis">([\s\S]*?)<\/script>/.exec(html)![1]!) as DiagnoseBatchResult;

  it("writes the page with the diagnosis of a sandbox batch embedded, and prints the file's path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mixpeek-report-"));
    // An unknown batch: one line that says what failed and where the ids are, exit code 1.
    const unknown = run(["sandbox-media", "btch_nope", "--sandbox"], dir);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim().split("\n").at(-1)).toMatch(/^mixpeek-batch-mcp: diagnose_batch failed \(HTTP 404.*list_batches/);
    expect(existsSync(join(dir, "btch_nope.html"))).toBe(false);
    // The sandbox banner names the scenario batches.
    const oom = /oom-gpu-tier\s+(btch_\w+)/.exec(unknown.stderr)![1]!;

    const written = run(["sandbox-media", oom, "--sandbox"], dir);
    expect(written.status, written.stderr).toBe(0);
    const path = join(dir, `${oom}.html`);
    expect(written.stderr.trim().split("\n").at(-1)).toBe(path);
    const html = readFileSync(path, "utf8");
    const diagnosis = embedded(html);
    expect(diagnosis).toMatchObject({ batch_id: oom, status: "FAILED" });
    expect(diagnosis.tiers.find((t) => t.oom)).toMatchObject({ tier_num: 1, resources: { memory_bytes: 8 * 2 ** 30 } });
    expect(diagnosis.recommendations[0]!.tool).toBe("retry_tier");
    // The same page as the one served, with the data added.
    expect(html.replace(/<script type="application\/json" id="diagnosis">[\s\S]*?<\/script>/, "")).toBe(await diagnosisPage());

    const out = join(dir, "incident.html");
    expect(run(["sandbox-media", oom, "--sandbox", "--out", out], dir).status).toBe(0);
    expect(embedded(readFileSync(out, "utf8")).batch_id).toBe(oom);
  });

  it("refuses an incomplete command line with exit code 2", () => {
    const result = run(["sandbox-media", "--sandbox"], tmpdir());
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/report needs a bucket and a batch id/);
  });
});
