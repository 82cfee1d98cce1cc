// The built bin as its own process, for tests of signals and sockets: spawn it, learn its URLs
// from stderr, drive its embedded emulator's control API, and time its exit.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { DEFAULT_TOOLSETS } from "../../src/mcp/toolsets.js";
import { TOOLS } from "../../tools/index.js";

export const CLI = new URL("../../dist/mixpeek-batch-mcp.mjs", import.meta.url).pathname;

export const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MIXPEEK_"))) as Record<string, string>;

export interface Bin {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and when the process exited (performance.now()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export function spawnBin(args: string[], env: Record<string, string> = {}): Bin {
  if (!existsSync(CLI)) throw new Error("dist/ is missing: run npm run build (npm test does)");
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...cleanEnv(), ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal, at: performance.now() }));
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** The exit of `bin` if it comes within `ms`, else "still running". */
export function exitWithin(bin: Bin, ms: number): Promise<{ code: number | null; at: number } | "still running"> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    bin.exited.finally(() => clearTimeout(timer)),
    new Promise<"still running">((resolve) => { timer = setTimeout(() => resolve("still running"), ms); }),
  ]);
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function until<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `--http` on a free port (plus `args`), audit off unless `env` sets it: the process and its URL. */
export async function spawnHttp(args: string[] = [], env: Record<string, string> = {}) {
  const bin = spawnBin(["--http", "--port", "0", ...args], { MIXPEEK_AUDIT_LOG: "off", ...env });
  const url = await until(() => /listening on (http:\/\/\S+)\/mcp/.exec(bin.stderr())?.[1], 10_000, "the server to listen");
  return { ...bin, url };
}

/** `--http --sandbox` on a free port: the server's and its emulator's URLs. */
export async function spawnHttpSandbox(env: Record<string, string> = {}) {
  const { url, ...bin } = await spawnHttp(["--sandbox"], env);
  const emulatorUrl = /Mixpeek emulator listening on (http:\/\/\S+)/.exec(bin.stderr())![1]!;
  const batches = Object.fromEntries([...bin.stderr().matchAll(/^\s+([a-z0-9-]+)\s+(btch_\w+)$/gm)].map((m) => [m[1]!, m[2]!]));
  return { ...bin, url, emulatorUrl, batches };
}

/** The emulator's control API (see src/emulator/control.ts). */
export const emulatorControl = (emulatorUrl: string) => ({
  requests: async () => (await (await fetch(`${emulatorUrl}/_emulator/requests`)).json()) as { operation?: string; method: string }[],
  clearRequests: async () => { await fetch(`${emulatorUrl}/_emulator/requests`, { method: "DELETE" }); },
  fault: async (operation: string, fault: Record<string, unknown>, count = 1) => {
    const response = await fetch(`${emulatorUrl}/_emulator/faults`, { method: "POST", body: JSON.stringify({ operation, fault, count }) });
    if (!response.ok) throw new Error(`fault injection refused: ${await response.text()}`);
  },
});

export const MCP_HEADERS = {
  "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25",
};

/** One JSON-RPC POST to /mcp, as a lean client sends it. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/mcp`, { method: "POST", body: JSON.stringify(body), headers: { ...MCP_HEADERS, ...headers } });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, any> };
}

export const toolCall = (id: number | string, name: string, args: Record<string, unknown>) =>
  ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

/** A raw socket to `url`; `closed` resolves with everything it received once it is closed. */
export function rawSocket(url: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ""), port: Number(port) });
    let received = "";
    socket.on("data", (chunk: Buffer) => { received += chunk.toString(); });
    const closed = new Promise<string>((done) => { socket.once("close", () => done(received)); });
    socket.once("error", () => {});
    socket.once("connect", () => resolve({ socket, closed }));
    socket.once("error", reject);
  });
}

/** A POST /mcp whose body never finishes: headers, a few bytes, then one byte every `everyMs`. */
export async function trickle(url: string, everyMs = 500) {
  const { socket, closed } = await rawSocket(url);
  const host = new URL(url).host;
  socket.write(`POST /mcp HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: 100000\r\n\r\n{"jsonrpc":"2.0",`);
  const timer = setInterval(() => { if (!socket.destroyed) socket.write(" "); }, everyMs);
  void closed.then(() => clearInterval(timer));
  return { socket, closed, stop: () => { clearInterval(timer); socket.destroy(); } };
}

/** The tools a server serves without --toolsets: those of the default toolsets, in catalogue order. */
export const DEFAULT_SERVED: readonly string[] = TOOLS.filter((tool) => DEFAULT_TOOLSETS.includes(tool.toolset)).map((tool) => tool.name);
