// Benchmarks, printed as medians: tool-list size in tokens, cold start over stdio, per-call
// overhead through MCP versus a direct HTTP call to the emulator. Run `npm run build` first.
// Figures, not tests: they depend on the machine. `--variant NAME` runs every emulator and
// sandbox it starts in that emulator variant (e.g. `npm run bench -- --variant fastapi`);
// `--only SECTION` runs one section (e.g. `--only replicas`).
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { spawn } from "node:child_process";
import { Pool, request } from "undici";
import { listTools, CATALOGUE_CONFIG } from "../dist/src/mcp/catalogue.js";
import { DEFAULT_TOOLSETS } from "../dist/src/mcp/toolsets.js";
import { createRuntime } from "../dist/src/mcp/runtime.js";
import { Logger } from "../dist/src/util/log.js";
import { SCENARIOS, startEmulator } from "../dist/src/emulator/index.js";
import { startRedis } from "./redis-server.mjs";

const { variant, only } = parseArgs({ options: { variant: { type: "string" }, only: { type: "string" } } }).values;
/** CLI arguments that choose the variant of a sandbox we spawn. */
const variantArgs = variant === undefined ? [] : ["--variant", variant];

/** Any key the server accepts: the emulator takes every key, and the server refuses short ones. */
const BENCH_KEY = "sk_bench_0123456789";
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const fmt = (ms) => `${ms.toFixed(ms < 10 ? 3 : 1)} ms`;
const row = (name, value) => console.log(`${name.padEnd(52)} ${value}`);

async function tokens() {
  const modelFacing = (tools) => encode(JSON.stringify(tools.map(({ name, title, description, inputSchema }) => ({ name, title, description, inputSchema })))).length;
  const byDefault = await listTools({ ...CATALOGUE_CONFIG, toolsets: DEFAULT_TOOLSETS });
  const all = await listTools();
  row("tools/list tokens, model-facing, default toolsets", `${modelFacing(byDefault)} for ${byDefault.length} tools (o200k_base)`);
  row("tools/list tokens, model-facing, all toolsets", `${modelFacing(all)} for ${all.length} tools`);
  row("tools/list tokens, full list, all toolsets", encode(JSON.stringify(all)).length);
}

async function coldStart(runs = 15) {
  const dist = (path) => new URL(`../${path}`, import.meta.url).pathname;
  const env = { PATH: process.env.PATH ?? "", MIXPEEK_API_KEY: BENCH_KEY, MIXPEEK_NAMESPACE: "bench", MIXPEEK_API_URL: "http://127.0.0.1:9", MIXPEEK_AUDIT_LOG: "off" };
  const variants = [
    ["bare SDK one-tool server (the floor)", [dist("scripts/floor-server.mjs")]],
    ["mixpeek-batch-mcp bundled (the bin)", [dist("dist/mixpeek-batch-mcp.mjs")]],
    ["mixpeek-batch-mcp unbundled (tsc output)", [dist("dist/src/cli/main.js")]],
    ["mixpeek-batch-mcp bundled, --sandbox", [dist("dist/mixpeek-batch-mcp.mjs"), "--sandbox", ...variantArgs]],
  ];
  const results = {};
  // Interleaved runs, so background noise hits every variant alike.
  for (let i = 0; i < runs; i++) {
    for (const [label, args] of variants) {
      const started = performance.now();
      const transport = new StdioClientTransport({ command: process.execPath, args, stderr: "ignore", env });
      const client = new Client({ name: "bench", version: "1" });
      await client.connect(transport);
      const init = performance.now() - started;
      await client.listTools();
      const list = performance.now() - started;
      await client.close();
      (results[label] ??= { init: [], list: [] }).init.push(init);
      results[label].list.push(list);
    }
  }
  const floor = median(results[variants[0][0]].list);
  for (const [label] of variants) {
    const r = results[label];
    row(`cold start, ${label}`, `initialize ${fmt(median(r.init))}, tools/list ${fmt(median(r.list))} (${(median(r.list) / floor).toFixed(2)}× floor)`);
  }
}

/** Cold start as the issue measures it: a raw JSON-RPC client over stdio (no SDK on the client
 * side) writes initialize, initialized and tools/list at once and times the tools/list answer.
 * Interleaved with the bare SDK server unbundled (the floor), the same server bundled, and a bare
 * Node process answering JSON-RPC, all in this run. */
async function rawColdStart(runs = 15) {
  const { build } = await import("esbuild");
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const dir = mkdtempSync(`${(await import("node:os")).tmpdir()}/bench-`);
  const here = (path) => new URL(`../${path}`, import.meta.url).pathname;
  await build({
    entryPoints: [here("scripts/floor-server.mjs")], outfile: `${dir}/floor-bundled.mjs`, bundle: true, platform: "node", format: "esm", minify: true, logLevel: "warning",
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  writeFileSync(`${dir}/bare.mjs`, `process.stdin.on("data", (d) => { for (const l of String(d).split("\\n").filter(Boolean)) { const m = JSON.parse(l); if (m.id !== undefined) process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: m.id, result: {} }) + "\\n"); } });`);
  const env = { PATH: process.env.PATH ?? "", MIXPEEK_API_KEY: BENCH_KEY, MIXPEEK_NAMESPACE: "bench", MIXPEEK_API_URL: "http://127.0.0.1:9", MIXPEEK_AUDIT_LOG: "off" };
  const messages = [
    { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } } },
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { jsonrpc: "2.0", id: 2, method: "tools/list" },
  ].map((m) => `${JSON.stringify(m)}\n`).join("");
  const once = (file) => new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [file], { env, stdio: ["pipe", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes('"id":2')) { resolve(performance.now() - started); child.kill(); }
    });
    child.stdin.write(messages);
  });
  const variants = [
    ["bare SDK one-tool server, unbundled (the floor)", here("scripts/floor-server.mjs")],
    ["bare SDK one-tool server, bundled", `${dir}/floor-bundled.mjs`],
    ["bare Node process answering JSON-RPC", `${dir}/bare.mjs`],
    ["mixpeek-batch-mcp bundled (the bin)", here("dist/mixpeek-batch-mcp.mjs")],
  ];
  const times = variants.map(() => []);
  for (let i = 0; i < runs; i++) for (const [j, [, file]] of variants.entries()) times[j].push(await once(file));
  const floor = median(times[0]);
  for (const [j, [label]] of variants.entries()) row(`raw-client cold start, ${label}`, `tools/list ${fmt(median(times[j]))} (${(median(times[j]) / floor).toFixed(2)}× floor)`);
}

async function perCall(calls = 2000) {
  const emulator = await startEmulator({ port: 0, stepMs: 0, variant });
  const batchId = emulator.sandbox.batches["healthy-completed"];
  const config = { ...CATALOGUE_CONFIG, apiUrl: emulator.url, apiKey: BENCH_KEY, namespace: emulator.sandbox.namespaceId };
  const runtime = createRuntime(config, { logger: new Logger([], { stderr: false }) });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "bench", version: "1" });
  await runtime.server.connect(b);
  await client.connect(a);
  const url = `${emulator.url}/v1/buckets/sandbox-media/batches/${batchId}`;
  const headers = { authorization: "Bearer bench", "x-namespace": emulator.sandbox.namespaceId };
  const direct = [];
  const viaMcp = [];
  for (let i = 0; i < calls; i++) {
    let t = performance.now();
    const response = await request(url, { headers });
    await response.body.json();
    direct.push(performance.now() - t);
    t = performance.now();
    await client.callTool({ name: "get_batch", arguments: { bucket: "sandbox-media", batch_id: batchId } });
    viaMcp.push(performance.now() - t);
  }
  row("get_batch direct undici GET to the emulator (median)", fmt(median(direct)));
  row("get_batch through MCP, in-memory (median)", fmt(median(viaMcp)));
  row("per-call overhead of MCP + tool", fmt(median(viaMcp) - median(direct)));
  await client.close();
  await runtime.close();
  await emulator.close();
}

/** HTTP throughput and latency of get_batch with 1, 8 and 32 concurrent clients, against the
 * bundled server running as its own process against the emulator in another (as a deployment
 * runs against the API elsewhere), plus the server process's RSS before the load, right after it
 * and 30 s later. */
/** The bundled bin as its own process, its `stream` collected. */
function started(args, env, stream) {
  const cli = new URL("../dist/mixpeek-batch-mcp.mjs", import.meta.url).pathname;
  const proc = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? "", MIXPEEK_AUDIT_LOG: "off", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  proc[stream].on("data", (chunk) => { text += chunk; });
  return { proc, text: () => text };
}
const waitFor = (source, pattern) => new Promise((resolve) => {
  const timer = setInterval(() => { const m = pattern.exec(source.text()); if (m) { clearInterval(timer); resolve(m); } }, 20);
});
/** The emulator as its own process: its URL and the healthy batch's id. */
async function emulatorProcess() {
  const emulator = started(["emulator", "--port", "0", ...variantArgs], {}, "stdout");
  const [, url] = await waitFor(emulator, /listening on (http:\/\/\S+)/);
  const [, batchId] = await waitFor(emulator, /healthy-completed\s+(btch_\w+)/);
  return { proc: emulator.proc, url, batchId };
}
/** `--http` on a free port against the emulator: the process and its URL. */
async function httpServer(emulatorUrl, args = [], env = {}) {
  const server = started(["--http", "--port", "0", ...args], { MIXPEEK_API_URL: emulatorUrl, MIXPEEK_API_KEY: BENCH_KEY, MIXPEEK_NAMESPACE: "sandbox", ...env }, "stderr");
  const [, url] = await waitFor(server, /listening on (http:\/\/\S+)\/mcp/);
  return { proc: server.proc, url };
}

/** `clients` lean JSON-RPC clients (one POST per call, keep-alive), client k on urls[k % n] as a
 * round-robin balancer would place it, each sending tools/call `name` with `args(i)` for `seconds`. */
async function leanLoad(urls, name, args, seconds, clients = 8) {
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };
  const pools = urls.map((url) => new Pool(url, { connections: Math.ceil(clients / urls.length) }));
  const latencies = [];
  let n = 0;
  const call = async (pool) => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args(n++) } });
    const response = await pool.request({ path: "/mcp", method: "POST", headers, body });
    const text = await response.body.text();
    if (response.statusCode !== 200 || !text.includes('"structuredContent"') || text.includes('"isError":true') || text.includes("budget_exhausted")) {
      throw new Error(`bad answer ${response.statusCode}: ${text.slice(0, 300)}`);
    }
  };
  // Warm up: the first call loads the server proper and opens the connections.
  for (const pool of pools) await Promise.all(Array.from({ length: clients / pools.length }, () => call(pool)));
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, k) => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await call(pools[k % pools.length]);
      latencies.push(performance.now() - t);
    }
  }));
  await Promise.all(pools.map((pool) => pool.close()));
  return latencies;
}

/** Calls per second of each run (the median when several), and p50 / p99 over all their calls. */
function loadFigures(runs, seconds) {
  const latencies = runs.flat().sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return `${median(runs.map((r) => r.length / seconds)).toFixed(0)} calls/s, p50 ${fmt(p(0.5))}, p99 ${fmt(p(0.99))}`;
}

async function httpThroughput(seconds = 4) {
  const { readFileSync } = await import("node:fs");
  const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
  const emulator = await emulatorProcess();
  const batchId = emulator.batchId;
  const server = await httpServer(emulator.url);
  const child = server.proc;
  const url = server.url;
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;
  const rssBefore = rss();
  for (const concurrency of [1, 8, 32]) {
    const clients = await Promise.all(Array.from({ length: concurrency }, async () => {
      const client = new Client({ name: "bench", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
      return client;
    }));
    const latencies = [];
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(clients.map(async (client) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await client.callTool({ name: "get_batch", arguments: { bucket: "sandbox-media", batch_id: batchId } });
        latencies.push(performance.now() - t);
      }
    }));
    latencies.sort((a, b) => a - b);
    const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    row(`HTTP get_batch, ${concurrency} client(s)`, `${(latencies.length / seconds).toFixed(0)} calls/s, p50 ${fmt(p(0.5))}, p99 ${fmt(p(0.99))}`);
    await Promise.all(clients.map((c) => c.close()));
  }
  // The SDK client costs about as much CPU as the server, and both share 2 cores here; a lean
  // client (one JSON-RPC POST per call on 8 keep-alive connections) shows the server's own rate.
  row("HTTP get_batch, 8 lean JSON-RPC clients", loadFigures([await leanLoad([url], "get_batch", () => ({ bucket: "sandbox-media", batch_id: batchId }), seconds)], seconds));
  // Memory that a load leaves behind and does not give back is what grows a long-running server.
  const rssAfter = rss();
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  row("HTTP server RSS before the load → right after → 30 s after", `${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} → ${rss().toFixed(0)} MiB`);
  child.kill("SIGTERM");
  emulator.proc.kill("SIGTERM");
}

/** 8 lean clients through two replicas sharing Redis (half the clients on each, as a round-robin
 * balancer places them) against one replica keeping its state in memory, same emulator, same run:
 * reads (get_batch, which never touch the store) and writes (update_batch with new metadata on
 * every call: a duplicate claim and its outcome, two budget counters and the audit, all in the
 * store). Budgets are raised so that no write is refused. Median of 3 interleaved rounds. */
async function replicas(seconds = 3, rounds = 3) {
  const redis = await startRedis();
  const emulator = await emulatorProcess();
  const env = { MIXPEEK_BUDGET_PER_BATCH: "100000", MIXPEEK_BUDGET_PER_CREDENTIAL: "100000" };
  const args = ["--toolsets", "all"];
  const single = await httpServer(emulator.url, args, env);
  const pair = await Promise.all([0, 1].map(() => httpServer(emulator.url, args, { ...env, MIXPEEK_REDIS_URL: redis.url })));
  const ref = { bucket: "sandbox-media", batch_id: emulator.batchId };
  // One counter for the whole section: a metadata value seen in an earlier round would be a
  // repeat within the duplicate window, answered without a call.
  let written = 0;
  const calls = [["get_batch", () => ref], ["update_batch", () => ({ ...ref, metadata: { run: written++ } })]];
  const setups = [["1 replica, state in memory", [single.url]], ["2 replicas + Redis", pair.map((p) => p.url)]];
  // Interleaved rounds, so background load on a shared machine hits every setup alike.
  const runs = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, args] of calls) for (const [label, urls] of setups) (runs[`${name}, ${label}`] ??= []).push(await leanLoad(urls, name, args, seconds));
  }
  for (const [what, measured] of Object.entries(runs)) row(`HTTP ${what.replace(", ", ", 8 lean clients, ")}`, loadFigures(measured, seconds));
  for (const server of [single, ...pair, emulator]) server.proc.kill("SIGTERM");
  await redis.stop();
}

/** 20,000 mixed tool calls against the emulator: memory at start and end, and errors. */
async function soak(calls = 20_000) {
  // Without the 100,000-document batch: the soak measures the server, not the emulator's
  // serialisation of a huge batch on every list call.
  const emulator = await startEmulator({ port: 0, stepMs: 0, scenarios: SCENARIOS.filter((s) => s !== "massive-failures"), variant });
  const b = emulator.sandbox.batches;
  const config = { ...CATALOGUE_CONFIG, apiUrl: emulator.url, apiKey: BENCH_KEY, namespace: emulator.sandbox.namespaceId, confirm: "token", dedupeWindowMs: 60_000 };
  const runtime = createRuntime(config, { logger: new Logger([], { stderr: false }) });
  const [a, c] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "soak", version: "1" });
  await runtime.server.connect(c);
  await client.connect(a);
  const ref = (name) => ({ bucket: "sandbox-media", batch_id: b[name] });
  const mix = [
    ["get_batch", ref("oom-gpu-tier")], ["diagnose_batch", ref("permanent-bad-input")], ["list_batches", { bucket: "sandbox-media", limit: 20 }],
    ["list_failed_documents", ref("transient-network")], ["get_batch_logs", { ...ref("oom-gpu-tier"), tier_num: 1 }],
    ["diagnose_batch", ref("stuck-tier")], ["cancel_batch", ref("duplicate-jobs")], ["retry_failed_documents", ref("permanent-bad-input")],
  ];
  const rss = () => process.memoryUsage().rss / 2 ** 20;
  global.gc?.();
  const before = rss();
  let errors = 0;
  let warm = before;
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const [name, args] = mix[i % mix.length];
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) errors++;
    if (i === 999) { global.gc?.(); warm = rss(); }
  }
  const seconds = (performance.now() - started) / 1000;
  global.gc?.();
  row(`soak: ${calls} mixed calls (in-memory)`, `${(calls / seconds).toFixed(0)} calls/s, ${errors} errors`);
  row("soak: RSS at start → after 1,000 calls → at end", `${before.toFixed(0)} → ${warm.toFixed(0)} → ${rss().toFixed(0)} MiB`);
  await client.close();
  await runtime.close();
  await emulator.close();
}

console.log(`mixpeek-batch-mcp bench — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${(await import("node:os")).cpus().length} cores${variant ? `, emulator variant ${variant}` : ""}`);
// `--only NAME` runs one section, e.g. `npm run bench -- --only replicas`.
const SECTIONS = { tokens, coldStart, rawColdStart, perCall, httpThroughput, replicas, soak };
if (only !== undefined && !(only in SECTIONS)) throw new Error(`--only names unknown section "${only}". Known: ${Object.keys(SECTIONS).join(", ")}.`);
for (const [name, section] of Object.entries(SECTIONS)) if (only === undefined || only === name) await section();
