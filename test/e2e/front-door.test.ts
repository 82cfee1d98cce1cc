// The front door as a newcomer meets it: every client snippet of the README starts from this
// clone, the packed tarball installs and runs, configuration mistakes read as one sentence with the
// fix, a confirmation survives a new process per call, and the probes of newer clients get the
// errors they fall back on. Needs `npm run build` (npm test does it).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { CATALOGUE_CONFIG, listTools, serverGreeting } from "../../src/mcp/catalogue.js";
import { DEFAULT_TOOLSETS } from "../../src/mcp/toolsets.js";
import { CLI, DEFAULT_SERVED, cleanEnv, emulatorControl, post, spawnBin, spawnHttpSandbox, until, type Bin } from "./bin.js";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const running: Bin[] = [];
afterAll(() => { for (const bin of running) bin.child.kill("SIGKILL"); });

interface Launch { client: string; name: string; command: string; args: string[]; env: Record<string, string> }

/** Every server entry of every snippet in "Connect a client", with the clone path filled in. */
function snippets(): Launch[] {
  const section = README.slice(README.indexOf("## Connect a client"), README.indexOf("## Tools"));
  const clone = (text: string) => text.replaceAll("/ABSOLUTE/PATH/TO/mixpeek-batch-mcp", ROOT);
  const launches: Launch[] = [];
  for (const [, client, block] of section.matchAll(/^\*\*([^*\n]+)\*\*[^\n]*\n\n```json\n([\s\S]*?)```/gm)) {
    const config = JSON.parse(clone(block!)) as { mcpServers?: Record<string, Launch>; servers?: Record<string, Launch> };
    for (const [name, entry] of Object.entries(config.mcpServers ?? config.servers ?? {})) {
      launches.push({ client: client!, name, command: entry.command, args: entry.args, env: entry.env ?? {} });
    }
  }
  for (const [line] of section.matchAll(/^claude mcp add .*$/gm)) {
    const [head, tail] = clone(line).split(" -- ");
    const words = head!.split(/\s+/);
    const env = Object.fromEntries(words.flatMap((w, i) => (words[i - 1] === "-e" ? [w.split("=") as [string, string]] : [])));
    const [command, ...args] = tail!.split(/\s+/);
    launches.push({ client: "Claude Code", name: words[3]!, command: command!, args, env });
  }
  return launches;
}

async function listToolsOf(launch: Pick<Launch, "command" | "args" | "env">): Promise<string[]> {
  // A placeholder key from a snippet is fine: initialize and tools/list never call the API.
  const env: Record<string, string> = { ...cleanEnv(), ...launch.env, MIXPEEK_AUDIT_LOG: "off", MIXPEEK_API_URL: "http://127.0.0.1:9" };
  for (const [key, value] of Object.entries(env)) if (value.startsWith("${input:")) env[key] = "sk_test_prompted_key_0123";
  const client = new Client({ name: "front-door", version: "1" });
  await client.connect(new StdioClientTransport({ command: launch.command, args: launch.args, env, stderr: "ignore" }));
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

describe("the README's client snippets, from a clone", () => {
  const launches = snippets();

  it("has the four clients' snippets, each with a sandbox and a real-API entry", () => {
    expect(launches.map((l) => `${l.client}: ${l.name}`)).toEqual([
      "Claude Desktop: mixpeek-sandbox", "Claude Desktop: mixpeek", "Cursor: mixpeek-sandbox", "Cursor: mixpeek",
      "VS Code: mixpeek-sandbox", "VS Code: mixpeek", "Claude Code: mixpeek-sandbox", "Claude Code: mixpeek",
    ]);
    for (const launch of launches) expect(launch.args[0], launch.client).toBe(CLI);
  });

  it.each(launches.map((l) => [`${l.client} ${l.name}`, l] as const))("%s completes initialize and tools/list", async (_label, launch) => {
    const names = await listToolsOf(launch);
    const expected = launch.args.includes("--disable-destructive")
      ? DEFAULT_SERVED.filter((n) => !/^(cancel_|kill_|delete_)/.test(n))
      : DEFAULT_SERVED;
    expect(names).toEqual(expected);
  });
});

describe("the packed tarball", () => {
  it("installs into an empty directory and starts with --sandbox", () => {
    const dir = mkdtempSync(join(tmpdir(), "mixpeek-pack-"));
    try {
      // dist/ is already built by npm test: skip the prepare script.
      const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" })) as { filename: string; files: { path: string }[] }[];
      const files = packed[0]!.files.map((f) => f.path);
      expect(files.filter((f) => !f.startsWith("dist/chunks/")).sort()).toEqual(["LICENSE", "README.md", "dist/mixpeek-batch-mcp.mjs", "package.json", "server.json"]);
      // The bin's lazily loaded parts, and nothing else of dist/ (no tsc output).
      expect(files.filter((f) => f.startsWith("dist/chunks/")).every((f) => /^dist\/chunks\/[\w-]+\.mjs(\.LEGAL\.txt)?$/.test(f))).toBe(true);
      expect(files.some((f) => f.startsWith("dist/chunks/"))).toBe(true);
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "try-it", private: true }));
      execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", `./${packed[0]!.filename}`], { cwd: dir, encoding: "utf8", stdio: "pipe" });
      const bin = join(dir, "node_modules", ".bin", "mixpeek-batch-mcp");
      const request = [
        { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } },
        { jsonrpc: "2.0", method: "notifications/initialized" },
        { jsonrpc: "2.0", id: 2, method: "tools/list" },
      ].map((m) => JSON.stringify(m)).join("\n");
      const out = execFileSync(bin, ["--sandbox"], { input: `${request}\n`, encoding: "utf8", env: { ...cleanEnv(), MIXPEEK_AUDIT_LOG: "off" }, timeout: 20_000 });
      const answers = out.trim().split("\n").map((line) => JSON.parse(line) as { id: number; result: { tools?: { name: string }[]; serverInfo?: { name: string } } });
      expect(answers.find((a) => a.id === 1)!.result.serverInfo!.name).toBe("mixpeek-batch-mcp");
      expect(answers.find((a) => a.id === 2)!.result.tools!.map((t) => t.name)).toEqual(DEFAULT_SERVED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Runs the bin to completion with `args`: its exit code and stderr. */
async function runToExit(args: string[], env: Record<string, string> = {}) {
  const bin = spawnBin(args, env);
  bin.child.stdin.end();
  const { code } = await bin.exited;
  return { code, stderr: bin.stderr(), stdout: bin.stdout() };
}

describe("configuration mistakes: one sentence with the fix, exit code 2", () => {
  it("an empty tool set names the flags that emptied it", async () => {
    const run = await runToExit(["--sandbox", "--read-only", "--tools", "cancel_batch"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--read-only with --tools cancel_batch leave no tool to serve");
    expect(run.stdout).toBe("");
  });

  it("a misspelt option suggests the right one", async () => {
    const run = await runToExit(["--sandbx"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option --sandbx. Did you mean --sandbox? Run with --help for usage.");
    expect(run.stderr).not.toMatch(/positional/);
  });

  it("--host without --http reads as English", async () => {
    expect((await runToExit(["--sandbox", "--host", "0.0.0.0"])).stderr).toContain("--host applies only with --http (or the emulator command).");
  });

  it("a key too short to be a Mixpeek key is refused before anything starts", async () => {
    const run = await runToExit([], { MIXPEEK_API_KEY: "abc", MIXPEEK_NAMESPACE: "ns_x" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("MIXPEEK_API_KEY is 3 characters long");
  });

  it("a port in use names the port and the flag", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await runToExit(["--http", "--sandbox", "--port", String(port)], { MIXPEEK_AUDIT_LOG: "off" });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is already in use: choose another with --port`);
      expect(run.stderr).not.toMatch(/EADDRINUSE|at .*\.mjs/);
    } finally {
      blocker.close();
    }
  });
});

describe("confirmation with a new server process per call", () => {
  async function emulator() {
    const bin = spawnBin(["emulator", "--port", "0"]);
    running.push(bin);
    const url = await until(() => /listening on (http:\/\/\S+)/.exec(bin.stdout())?.[1], 10_000, "the emulator");
    const batchId = await until(() => /still-running\s+(btch_\w+)/.exec(bin.stdout())?.[1], 5_000, "the batch list");
    return { url, batchId, control: emulatorControl(url) };
  }
  /** One stdio process, one cancel_batch call, as the Inspector's CLI does it. */
  async function cancelOnce(url: string, batchId: string, secret: string | undefined, token?: string) {
    const env: Record<string, string> = {
      MIXPEEK_API_URL: url, MIXPEEK_API_KEY: "sk_test_front_door_key", MIXPEEK_NAMESPACE: "ns_5b7c2d9e1f", MIXPEEK_AUDIT_LOG: "off",
      ...(secret ? { MIXPEEK_CONFIRM_SECRET: secret } : {}),
    };
    const client = new Client({ name: "one-shot", version: "1" });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI], env: { ...cleanEnv(), ...env }, stderr: "ignore" }));
    try {
      const result = await client.callTool({ name: "cancel_batch", arguments: { bucket: "sandbox-media", batch_id: batchId, ...(token ? { confirm_token: token } : {}) } });
      return { ...(result.structuredContent as { outcome?: string; confirm_token?: string }), isError: result.isError === true, text: (result.content as { text: string }[])[0]!.text };
    } finally {
      await client.close();
    }
  }

  it("works when every process has MIXPEEK_CONFIRM_SECRET: the second process applies the first one's token, once", async () => {
    const { url, batchId, control } = await emulator();
    const planned = await cancelOnce(url, batchId, "a-shared-secret-of-some-length");
    expect(planned.outcome).toBe("confirmation_required");
    const applied = await cancelOnce(url, batchId, "a-shared-secret-of-some-length", planned.confirm_token);
    expect(applied.outcome).toBe("canceled");
    expect((await control.requests()).filter((r) => r.operation === "cancelBatch")).toHaveLength(1);
  });

  it("without it, the refusal says to set MIXPEEK_CONFIRM_SECRET, and nothing is sent", async () => {
    const { url, batchId, control } = await emulator();
    const planned = await cancelOnce(url, batchId, undefined);
    const refused = await cancelOnce(url, batchId, undefined, planned.confirm_token);
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/not one this server issued\. Tokens are valid only in the server process that issued them unless MIXPEEK_CONFIRM_SECRET is set/);
    expect((await control.requests()).filter((r) => r.operation === "cancelBatch")).toEqual([]);
  });
});

describe("protocol probes of newer clients", () => {
  it("stdio: server/discover gets -32601, and initialize still works after it", async () => {
    const bin = spawnBin(["--sandbox"], { MIXPEEK_AUDIT_LOG: "off" });
    running.push(bin);
    const send = (message: object) => bin.child.stdin.write(`${JSON.stringify(message)}\n`);
    const answer = (id: number) => until(() => bin.stdout().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { id?: number; error?: { code: number }; result?: Record<string, any> }).find((m) => m.id === id), 10_000, `answer ${id}`);
    send({ jsonrpc: "2.0", id: 1, method: "server/discover", params: {} });
    expect((await answer(1)).error?.code).toBe(-32601);
    send({ jsonrpc: "2.0", id: 2, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "probe", version: "1" } } });
    const initialized = (await answer(2)).result!;
    expect(initialized["serverInfo"].name).toBe("mixpeek-batch-mcp");
    // The lists never change while the server runs: no list_changed to wait for.
    expect(initialized["capabilities"].tools).toEqual({ listChanged: false });
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 3, method: "tools/list" });
    expect(((await answer(3)).result!["tools"] as { name: string }[]).map((t) => t.name)).toEqual(DEFAULT_SERVED);
    bin.child.stdin.end();
    expect((await bin.exited).code).toBe(0);
  });

  it("HTTP: server/discover gets a 4xx JSON-RPC error, never a 5xx or -32603; refusals are JSON-RPC too", async () => {
    const server = await spawnHttpSandbox();
    running.push(server);
    // As newer clients probe: with the protocol version they would speak.
    const discover = await post(server.url, { jsonrpc: "2.0", id: 1, method: "server/discover", params: {} }, { "mcp-protocol-version": "2026-07-28" });
    expect(discover.status).toBe(400);
    expect(discover.json()).toMatchObject({ jsonrpc: "2.0", error: { message: expect.stringMatching(/protocol version/) } });
    expect(discover.json()["error"].code).not.toBe(-32603);
    // With a version we speak, the method is simply unknown.
    const unknown = await post(server.url, { jsonrpc: "2.0", id: 4, method: "server/discover", params: {} });
    expect(unknown.status).toBeLessThan(500);
    expect(unknown.json()).toMatchObject({ jsonrpc: "2.0", id: 4, error: { code: -32601 } });
    const init = await post(server.url, { jsonrpc: "2.0", id: 2, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "probe", version: "1" } } });
    expect(init.json()["result"].capabilities.tools).toEqual({ listChanged: false });
    const wrongOrigin = await post(server.url, { jsonrpc: "2.0", id: 3, method: "tools/list" }, { origin: "http://evil.example" });
    expect(wrongOrigin.status).toBe(403);
    expect(wrongOrigin.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { message: expect.stringMatching(/--allowed-origins/) } });
  });
});

describe("deferred start: the bin answers initialize and tools/list before loading the server proper", () => {
  async function emulatorUrl() {
    const bin = spawnBin(["emulator", "--port", "0"]);
    running.push(bin);
    const url = await until(() => /listening on (http:\/\/\S+)/.exec(bin.stdout())?.[1], 10_000, "the emulator");
    const batchId = await until(() => /still-running\s+(btch_\w+)/.exec(bin.stdout())?.[1], 5_000, "the batch list");
    return { url, batchId };
  }

  it("greets exactly as the server proper does, and lists the same tools", async () => {
    const { url } = await emulatorUrl();
    const client = new Client({ name: "probe", version: "1" });
    await client.connect(new StdioClientTransport({
      command: process.execPath, args: [CLI], stderr: "ignore",
      env: { ...cleanEnv(), MIXPEEK_API_URL: url, MIXPEEK_API_KEY: "sk_test_deferred_key", MIXPEEK_NAMESPACE: "ns_5b7c2d9e1f", MIXPEEK_AUDIT_LOG: "off" },
    }));
    try {
      const greeting = await serverGreeting();
      expect(client.getServerCapabilities()).toEqual(greeting.capabilities);
      expect(client.getInstructions()).toBe(greeting.instructions);
      expect(client.getServerVersion()).toEqual(greeting.serverInfo);
      expect((await client.listTools()).tools).toEqual(await listTools({ ...CATALOGUE_CONFIG, toolsets: DEFAULT_TOOLSETS }));
    } finally {
      await client.close();
    }
  });

  it("hands the session to the server proper on the first call: it knows the client can elicit", async () => {
    const { url, batchId } = await emulatorUrl();
    const client = new Client({ name: "asks-the-user", version: "1" }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params.message);
      return { action: "accept", content: { confirm: true } };
    });
    await client.connect(new StdioClientTransport({
      command: process.execPath, args: [CLI], stderr: "ignore",
      env: { ...cleanEnv(), MIXPEEK_API_URL: url, MIXPEEK_API_KEY: "sk_test_deferred_key", MIXPEEK_NAMESPACE: "ns_5b7c2d9e1f", MIXPEEK_AUDIT_LOG: "off" },
    }));
    try {
      // Before any tools/call nothing of the server proper ran; this call loads it, and it must
      // know from the replayed initialize that this client can be asked.
      const result = await client.callTool({ name: "cancel_batch", arguments: { bucket: "sandbox-media", batch_id: batchId } });
      expect(asked).toHaveLength(1);
      expect((result.structuredContent as { outcome: string }).outcome).toBe("canceled");
      expect((await client.callTool({ name: "get_batch", arguments: { bucket: "sandbox-media", batch_id: batchId } })).isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});
