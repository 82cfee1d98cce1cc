// The built CLI, spawned as a client would: stdio protocol only on stdout, sandbox discoverable,
// configuration errors reported together with exit code 2. Needs `npm run build` (npm test does it).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CATALOGUE_CONFIG, listTools } from "../../src/mcp/catalogue.js";
import { DEFAULT_TOOLSETS } from "../../src/mcp/toolsets.js";
import { VERSION } from "../../src/util/version.js";
import { TOOL_NAMES } from "../../tools/index.js";
// CLI is the bundled bin: what the package ships and clients launch.
import { CLI, DEFAULT_SERVED, cleanEnv } from "./bin.js";

let client: Client | undefined;

beforeAll(() => { if (!existsSync(CLI)) throw new Error("dist/ is missing: run npm run build (npm test does)"); });
afterEach(async () => { await client?.close(); client = undefined; });

async function connect(args: string[], env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], env: { ...cleanEnv(), ...env }, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  client = new Client({ name: "e2e", version: "1" });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe("stdio server on the sandbox", () => {
  it("names the sandbox, lists every tool and diagnoses the OOM batch", async () => {
    const { client, stderr } = await connect(["--sandbox"]);
    expect(client.getInstructions()).toContain("sandbox-media");
    expect(stderr()).toMatch(/bkt_\w+ \(name "sandbox-media"\)/);
    expect(stderr()).toMatch(/namespace: ns_\w+/);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(DEFAULT_SERVED);
    const oomId = /oom-gpu-tier\s+(btch_\w+)/.exec(stderr())![1]!;
    const result = await client.callTool({ name: "diagnose_batch", arguments: { bucket: "sandbox-media", batch_id: oomId } });
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { recommendations: { tool?: string }[] }).recommendations[0]!.tool).toBe("retry_tier");
    // The sandbox's placeholder key is redacted like any key, and must not blank out its bucket's name.
    expect(JSON.stringify(result)).toContain('"bucket":"sandbox-media"');
    expect(JSON.stringify(result) + stderr()).not.toContain("[redacted]");
  });

  it("serves the same tool list from the bundle's prebuilt listing as the source computes", async () => {
    const { client } = await connect(["--sandbox"]);
    const { tools } = await client.listTools();
    expect(tools).toEqual(await listTools({ ...CATALOGUE_CONFIG, toolsets: DEFAULT_TOOLSETS }));
  });

  it("lists only read tools with --read-only", async () => {
    const { client } = await connect(["--sandbox", "--read-only"]);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["diagnose_batch", "get_batch", "get_batch_logs", "get_bucket_health", "get_task", "list_batches", "list_failed_documents", "wait_for_batch"]);
  });

  it("writes nothing but JSON-RPC to stdout", async () => {
    const child = spawn(process.execPath, [CLI, "--sandbox"], { env: cleanEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get_batch", arguments: { bucket: "sandbox-media", batch_id: "btch_nope" } } });
    await new Promise<void>((resolve) => { const timer = setInterval(() => { if (stdout.includes('"id":2')) { clearInterval(timer); resolve(); } }, 20); });
    child.stdin.end();
    await new Promise((resolve) => child.once("exit", resolve));
    const lines = stdout.trim().split("\n");
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty("jsonrpc", "2.0");
    expect(lines.some((l) => l.includes("HTTP 404"))).toBe(true);
  });
});

describe("command line", () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { env: { ...cleanEnv(), ...env }, encoding: "utf8", timeout: 10_000 });

  it("reports every configuration problem at once, with exit code 2 and no stack trace", () => {
    const result = run([], { MIXPEEK_TIMEOUT_MS: "soon", MIXPEEK_API_URL: "ftp://x" });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    for (const problem of ["MIXPEEK_API_KEY", "MIXPEEK_NAMESPACE", "MIXPEEK_TIMEOUT_MS", "MIXPEEK_API_URL"]) expect(result.stderr).toContain(problem);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses unknown emulator scenarios", () => {
    const result = run(["emulator", "--port", "0", "--scenarios", "bogus,oom-gpu-tier"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown scenario\(s\): bogus\. Known: oom-gpu-tier/);
  });

  it("refuses unknown options and tool names", () => {
    expect(run(["--frobnicate"]).status).toBe(2);
    const tools = run(["--sandbox", "--tools", "get_batch,launch_rockets"]);
    expect(tools.status).toBe(2);
    expect(tools.stderr).toContain("launch_rockets");
  });

  it("prints --version, --help and the catalogue", () => {
    expect(run(["--version"]).stdout.trim()).toBe(VERSION);
    expect(run(["--help"]).stdout).toContain("--sandbox");
    const list = JSON.parse(run(["list-tools", "--json"]).stdout) as { name: string; annotations: object }[];
    expect(list.map((t) => t.name)).toEqual(TOOL_NAMES);
    expect(run(["list-tools"]).stdout).toContain("| `cancel_job` |");
  });

  it("never prints the API key", () => {
    const result = run(["--tools", "nope"], { MIXPEEK_API_KEY: "sk_live_SECRET_e2e_1234", MIXPEEK_NAMESPACE: "ns_x" });
    expect(result.stderr + result.stdout).not.toContain("sk_live_SECRET_e2e_1234");
  });
});
