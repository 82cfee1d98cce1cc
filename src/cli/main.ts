#!/usr/bin/env node
// Entry point. In stdio mode stdout carries only protocol messages; everything human goes to
// stderr. Configuration problems exit with code 2 and one message listing them all.
// Only what answering initialize and tools/list needs is imported here; the server proper (tools,
// API client, undici), the emulator and HTTP mode are imported when used.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ConfigError, USAGE, parseConfig, type ReportConfig, type ServerConfig } from "./config.js";
import { Logger } from "../util/log.js";
import { PREBUILT_CATALOGUE, PREBUILT_GREETING, type CatalogueEntry } from "../mcp/prebuilt.js";
import type { Runtime } from "../mcp/runtime.js";
import { selectTools, selectionProblems } from "../mcp/toolsets.js";
import { DeferredStart } from "../transport/deferred-start.js";
import { InFlightTransport } from "../transport/in-flight.js";
import type { Variant } from "../emulator/variants.js";
import type { SandboxInfo } from "../mcp/server.js";
import type { Tracing } from "../telemetry/tracing.js";
import { VERSION } from "../util/version.js";

/** Every tool with its toolset and hints: from the bin when built, else from the tools themselves. */
async function catalogue(): Promise<CatalogueEntry[]> {
  if (PREBUILT_CATALOGUE) return PREBUILT_CATALOGUE;
  const [{ TOOLS }, { toolListing }] = await Promise.all([import("../../tools/index.js"), import("../mcp/tool.js")]);
  return TOOLS.map((tool) => ({ name: tool.name, toolset: tool.toolset, annotations: tool.annotations, listing: toolListing(tool) }));
}

async function main(): Promise<void> {
  const tools = await catalogue();
  const config = parseConfig(process.argv.slice(2), process.env, tools.map((tool) => tool.name));
  switch (config.command) {
    case "help": process.stdout.write(`${USAGE}\n`); return;
    case "version": process.stdout.write(`${VERSION}\n`); return;
    case "list-tools": {
      const { listTools, toolTable } = await import("../mcp/catalogue.js");
      const tools = await listTools();
      process.stdout.write(config.json ? `${JSON.stringify(tools, null, 2)}\n` : `${toolTable(tools)}\n`);
      return;
    }
    case "emulator": {
      // Loaded only here and in sandbox mode, so the real server does not pay for it at start-up.
      const { startEmulator, describeSandbox, SCENARIOS } = await import("../emulator/index.js");
      const known: readonly string[] = SCENARIOS;
      const unknown = config.scenarios === "all" ? [] : config.scenarios.filter((name) => !known.includes(name));
      const problems = unknown.length ? [`--scenarios names unknown scenario(s): ${unknown.join(", ")}. Known: ${SCENARIOS.join(", ")}.`] : [];
      const variant = await checkVariant(config.variant, problems);
      if (problems.length) throw new ConfigError(problems);
      const scenarios = config.scenarios === "all" ? "all" : SCENARIOS.filter((name) => config.scenarios.includes(name));
      const emulator = await startEmulator({ port: config.port, host: config.host, scenarios, variant });
      process.stdout.write(`${describeSandbox(emulator)}\n`);
      onShutdown(() => emulator.close());
      return;
    }
    case "serve": await serve(config, tools); return;
    case "report": await report(config); return;
  }
}

/** The emulator accepts any key; this one is never mistaken for a word of a result (the key is
 * redacted from every answer, so a key like "sandbox" would blank out "sandbox-media"). */
const SANDBOX_KEY = "sk_sandbox_emulator_placeholder";

async function serve(config: ServerConfig, tools: CatalogueEntry[]): Promise<void> {
  const unservable = selectionProblems(tools, config);
  if (unservable.length) throw new ConfigError(unservable);
  let sandbox: SandboxInfo | undefined;
  let closeSandbox = async () => {};
  if (config.sandbox) ({ config, sandbox, close: closeSandbox } = await startSandbox(config));
  if (config.transport === "http") {
    const { startHttpServer, HTTP_LIMITS } = await import("../transport/http.js");
    const logger = new Logger(config.apiKey ? [config.apiKey] : [], { minLevel: config.logLevel });
    const http = await startHttpServer(config, { logger, sandbox });
    logger.info(`listening on ${http.url}/mcp (health: ${http.url}/healthz)`);
    // SIGTERM: stop accepting, let in-flight calls (a wait_for_batch) finish for a bounded time,
    // then close every socket and exit.
    onShutdown(async () => { await http.close(); await closeSandbox(); }, { boundMs: HTTP_LIMITS.shutdownGraceMs });
    return;
  }
  const logger = new Logger(config.apiKey ? [config.apiKey] : [], { minLevel: config.logLevel });
  const stdio = new InFlightTransport(new StdioServerTransport());
  let runtime: Runtime | undefined;
  let closeState = async () => {};
  let tracing: Tracing | undefined;
  const connectServer = async (transport: Transport) => {
    const { createRuntime } = await import("../mcp/runtime.js");
    // Only a configured Redis loads anything beyond the server proper.
    const state = config.redisUrl ? await (await import("../safety/state.js")).openSharedState(config, logger) : undefined;
    if (state) closeState = () => state.close();
    // Only an OTLP endpoint loads the tracing SDK.
    tracing = config.otlpTracesUrl ? new (await import("../telemetry/tracing.js")).Tracing(config.otlpTracesUrl) : undefined;
    runtime = createRuntime(config, { sandbox, logger, state, telemetry: tracing ? [tracing] : undefined });
    await runtime.server.connect(transport);
  };
  // SIGTERM or the end of stdin: refuse new requests, let calls in flight finish for a bounded
  // time (their results are written to stdout and the audit file), then exit.
  onShutdown(async () => {
    if (!await stdio.drain(STDIO_SHUTDOWN_GRACE_MS)) {
      logger.warn(`shutdown: ${stdio.inFlight} call(s) still running after ${STDIO_SHUTDOWN_GRACE_MS} ms; exiting without their results`);
    }
    await runtime?.close();
    await tracing?.shutdown();
    await closeState();
    await closeSandbox();
  }, { onStdinEnd: true, boundMs: STDIO_SHUTDOWN_GRACE_MS });
  // The sandbox's greeting names its bucket, so only a server on the real API starts deferred.
  if (PREBUILT_GREETING && !sandbox) {
    const listed = selectTools(tools, config).map((tool) => tool.listing);
    await new DeferredStart(stdio, PREBUILT_GREETING, listed, connectServer, (error) => {
      logger.error(`could not start the server: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }).listen();
  } else {
    await connectServer(stdio);
  }
  logger.info(`ready on stdio (${config.sandbox ? "sandbox" : config.apiUrl}, namespace ${config.namespace})`);
}

/** With --sandbox: the embedded emulator, described on stderr, and the configuration pointed at it. */
async function startSandbox(config: ServerConfig): Promise<{ config: ServerConfig; sandbox: SandboxInfo; close: () => Promise<void> }> {
  const problems: string[] = [];
  const variant = await checkVariant(config.variant, problems);
  if (problems.length) throw new ConfigError(problems);
  const { startEmulator, describeSandbox } = await import("../emulator/index.js");
  const emulator = await startEmulator({ port: 0, scenarios: "all", variant });
  process.stderr.write(`${describeSandbox(emulator)}\n`);
  return {
    // Never a real key: the emulator accepts any, and a short one would be redacted from words.
    config: { ...config, apiUrl: emulator.url, apiKey: SANDBOX_KEY, namespace: emulator.sandbox.namespaceId },
    sandbox: { bucketId: emulator.sandbox.bucketId, bucketName: emulator.sandbox.bucketName, namespace: emulator.sandbox.namespaceId },
    close: () => emulator.close(),
  };
}

/** The report command: the file's path on stderr; a failure as one line, exit code 1. */
async function report(config: ReportConfig): Promise<void> {
  const sandbox = config.server.sandbox ? await startSandbox(config.server) : undefined;
  try {
    const { writeReport } = await import("./report.js");
    const path = await writeReport({ ...config, server: sandbox?.config ?? config.server });
    process.stderr.write(`${path}\n`);
  } finally {
    await sandbox?.close();
  }
}

/** The --variant name if it is a known one; otherwise adds a problem listing the known names. */
async function checkVariant(name: string | undefined, problems: string[]): Promise<Variant["name"] | undefined> {
  if (name === undefined) return undefined;
  const { VARIANT_NAMES } = await import("../emulator/index.js");
  if ((VARIANT_NAMES as string[]).includes(name)) return name as Variant["name"];
  problems.push(`--variant names unknown variant "${name}". Known: ${VARIANT_NAMES.join(", ")}.`);
  return undefined;
}

/** How long a stdio shutdown waits for the calls in flight. */
const STDIO_SHUTDOWN_GRACE_MS = 10_000;

/** `boundMs`: how long `close` may wait for calls in flight; a close that hangs longer than
 * that (plus a little for closing) ends the process with code 1. */
function onShutdown(close: () => Promise<void>, options: { onStdinEnd?: boolean; boundMs?: number } = {}): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (options.boundMs !== undefined) setTimeout(() => process.exit(1), options.boundMs + 3_000).unref();
    void close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  // stdio clients end the session by closing our stdin.
  if (options.onStdinEnd) process.stdin.once("end", stop);
}

main().catch((error: unknown) => {
  const { code, port, address } = error as { code?: string; port?: number; address?: string };
  if (code === "EADDRINUSE") {
    process.stderr.write(`mixpeek-batch-mcp: port ${port} on ${address} is already in use: choose another with --port, or stop what is using it.\n`);
    process.exit(2);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`mixpeek-batch-mcp: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`mixpeek-batch-mcp: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
