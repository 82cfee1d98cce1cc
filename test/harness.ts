// Test harness: a real emulator on loopback and a real SDK client talking to our server over
// an in-memory transport. No mocks: what the emulator saw is what the server sent.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema, type CallToolResult, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { CATALOGUE_CONFIG } from "../src/mcp/catalogue.js";
import type { ServerConfig } from "../src/cli/config.js";
import type { ConfirmationTokens } from "../src/safety/confirm.js";
import { startEmulator, type Emulator, type EmulatorOptions } from "../src/emulator/index.js";
import { Logger } from "../src/util/log.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "../src/mcp/runtime.js";

export interface Harness {
  emulator: Emulator;
  client: Client;
  runtime: Runtime;
  /** Every log line the server wrote (after redaction), and its audit file. */
  logs: string[];
  auditPath: string;
  bucket: string;
  batches: Emulator["sandbox"]["batches"];
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult & { structuredContent?: Record<string, any> }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  config?: Partial<ServerConfig>;
  emulator?: EmulatorOptions;
  /** Answer elicitation requests; when absent the client does not advertise elicitation. */
  elicit?: (message: string) => ElicitResult;
  tokens?: ConfirmationTokens;
  apiKey?: string;
  /** Serve against this running emulator (a second server, e.g. after a restart) instead of
   * starting one; close() then leaves it running for its owner to close. */
  sharedEmulator?: Emulator;
  /** The shared state (e.g. Redis) instead of this process's own; close() leaves it to its owner. */
  state?: RuntimeOptions["state"];
  /** Where calls are reported (metrics, traces). */
  telemetry?: RuntimeOptions["telemetry"];
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const emulator = options.sharedEmulator ?? await startEmulator({ port: 0, scenarios: "all", ...options.emulator });
  const config: ServerConfig = {
    ...CATALOGUE_CONFIG,
    apiUrl: emulator.url,
    apiKey: options.apiKey ?? "sk_test_harness_key_0123456789",
    namespace: emulator.sandbox.namespaceId,
    timeoutMs: 2000,
    pollIntervalMs: 10,
    confirm: "token",
    auditLog: join(mkdtempSync(join(tmpdir(), "mixpeek-audit-")), "audit.jsonl"),
    ...options.config,
  };
  const logger = new Logger([config.apiKey], { stderr: false });
  const logs: string[] = [];
  logger.addSink((level, message) => logs.push(`${level}: ${message}`));
  const runtime = createRuntime(config, { logger, tokens: options.tokens, state: options.state, telemetry: options.telemetry });
  const client = new Client({ name: "test", version: "1" }, { capabilities: options.elicit ? { elicitation: {} } : {} });
  if (options.elicit) {
    const answer = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, async (request) => answer(request.params.message));
  }
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await runtime.server.connect(serverSide);
  await client.connect(clientSide);
  return {
    emulator, client, runtime, logs, auditPath: config.auditLog!,
    bucket: emulator.sandbox.bucketName,
    batches: emulator.sandbox.batches,
    call: async (name, args) => (await client.callTool({ name, arguments: args })) as never,
    async close() {
      await client.close();
      await runtime.close();
      if (!options.sharedEmulator) await emulator.close();
    },
  };
}

/** The emulator's recorded requests for one operation. */
export const requestsFor = (emulator: Emulator, operation: string) => emulator.requests.filter((r) => r.operation === operation);
