// Command line and environment, parsed once. Every problem is collected and reported together,
// so a user fixes their configuration in one pass instead of one error per restart.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { defaultAuditPath } from "../safety/audit.js";
import type { LogLevel } from "../util/log.js";
import { DEFAULT_TOOLSETS, TOOLSETS, type Toolset } from "../mcp/toolsets.js";

export type ConfirmPolicy = "elicit" | "token" | "none";

/** Caps on mutating calls in any hour (safety/budget.ts); 0 = no cap. */
export interface BudgetLimits {
  perBatch: number;
  /** Per namespace and key. */
  perCredential: number;
}

export const DEFAULT_BUDGETS: BudgetLimits = { perBatch: 10, perCredential: 100 };

export interface ServerConfig {
  command: "serve";
  transport: "stdio" | "http";
  sandbox: boolean;
  apiUrl: string;
  /** Empty only in sandbox mode, where the embedded emulator accepts any key. */
  apiKey: string;
  namespace: string | undefined;
  timeoutMs: number;
  /** The toolsets served (--toolsets, MIXPEEK_TOOLSETS). */
  toolsets: readonly Toolset[];
  readOnly: boolean;
  disableDestructive: boolean;
  /** Allow-list of tool names; undefined = all. */
  tools: string[] | undefined;
  confirm: ConfirmPolicy;
  /** First delay between polls of wait_for_batch; it grows by half each poll. */
  pollIntervalMs: number;
  /** An identical mutating call within this window is answered from the first one. */
  dedupeWindowMs: number;
  /** JSON-lines audit file of mutating calls; undefined = off. */
  auditLog: string | undefined;
  /** Signs confirmation tokens; set the same value on every replica behind a load balancer. */
  confirmSecret: string | undefined;
  /** Redis holding the state replicas share (duplicate window, used tokens, incident memory,
   * budgets, audit stream); undefined = this process's own memory. */
  redisUrl: string | undefined;
  /** Caps on mutating calls per batch and per credential in any hour; 0 = off. */
  budgets: BudgetLimits;
  /** Where OpenTelemetry spans are POSTed (OTLP/HTTP JSON); undefined = no tracing. */
  otlpTracesUrl?: string | undefined;
  /** Lowest level written to stderr; "debug" also shows which form of each API answer was seen. */
  logLevel: LogLevel;
  /** Sandbox only: the emulator variant to serve; checked against the known names in cli.ts. */
  variant: string | undefined;
  http: HttpOptions;
}

export interface HttpOptions {
  port: number;
  host: string;
  /** Bearer token clients must present to this server; the Mixpeek key then travels in X-Mixpeek-Api-Key. */
  authToken: string | undefined;
  /** Host header values accepted besides the loopback names (DNS-rebinding protection). */
  allowedHosts: string[];
  /** Origin header values accepted besides localhost origins. */
  allowedOrigins: string[];
}

/** `report <bucket> <batch_id>`: diagnose_batch run once with the server's configuration, and
 * its view written to a file. */
export interface ReportConfig { command: "report"; bucket: string; batchId: string; out: string | undefined; server: ServerConfig }

export type Config =
  | ServerConfig
  | ReportConfig
  | { command: "emulator"; port: number; host: string; scenarios: string[] | "all"; variant: string | undefined }
  | { command: "list-tools"; json: boolean }
  | { command: "help" }
  | { command: "version" };

const LOG_LEVELS: LogLevel[] = ["debug", "info", "warning", "error"];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export const USAGE = `Usage:
  mixpeek-batch-mcp [options]              MCP server on stdio against the Mixpeek API
  mixpeek-batch-mcp --sandbox [options]    MCP server on the embedded emulator (no key needed)
  mixpeek-batch-mcp --http [--port 3333] [--host 127.0.0.1] [--auth-token T]
                                           Streamable HTTP at /mcp, GET /healthz
  mixpeek-batch-mcp emulator [--port 4010] [--host 127.0.0.1] [--scenarios all|a,b] [--variant NAME]
  mixpeek-batch-mcp list-tools [--json]    print the tool catalogue
  mixpeek-batch-mcp report <bucket> <batch_id> [--out FILE] [--sandbox]
                                           write the diagnosis view of a batch as an HTML file
                                           (default <batch_id>.html) and print its path on stderr

Options:
  --sandbox               run against the embedded emulator seeded with incident scenarios
  --variant NAME          sandbox and emulator: which reading of the API's undocumented shapes
                          to serve: default, fastapi, sparse or reporting
  --toolsets a,b          serve these toolsets: triage, ingest, admin, or all
                          (default triage,ingest; env MIXPEEK_TOOLSETS)
  --read-only             list only tools that change nothing
  --disable-destructive   hide cancel and kill tools
  --tools a,b             list only these tools (of the enabled toolsets)
  --confirm MODE          elicit (default; falls back to token), token, or none
  --auth-token T          HTTP: clients must send Authorization: Bearer T (or MIXPEEK_MCP_AUTH_TOKEN)
  --allow-unauthenticated HTTP: allow a non-loopback --host without --auth-token
  --allowed-hosts a,b     HTTP: extra Host header values to accept (DNS-rebinding protection)
  --allowed-origins a,b   HTTP: extra Origin header values to accept
  --redis URL             share state across replicas in Redis (or MIXPEEK_REDIS_URL)
  --budget-per-batch N    mutating calls allowed per batch in any hour, default 10; 0 = no cap
                          (or MIXPEEK_BUDGET_PER_BATCH)
  --budget-per-credential N  mutating calls allowed per key and namespace in any hour,
                          default 100; 0 = no cap (or MIXPEEK_BUDGET_PER_CREDENTIAL)
  --help, --version

Environment:
  MIXPEEK_API_KEY     API key (Bearer); required unless --sandbox
  MIXPEEK_NAMESPACE   namespace id (ns_...) or name; required unless --sandbox
  MIXPEEK_API_URL     default https://api.mixpeek.com
  MIXPEEK_TIMEOUT_MS  per-request timeout, default 30000
  MIXPEEK_POLL_INTERVAL_MS  first poll interval of wait_for_batch, default 1000
  MIXPEEK_DEDUPE_WINDOW_MS  identical writes within this window are not resent, default 60000
  MIXPEEK_CONFIRM_SECRET  signs confirmation tokens; share it across HTTP replicas
  MIXPEEK_MCP_AUTH_TOKEN  HTTP: token clients must present (same as --auth-token)
  MIXPEEK_REDIS_URL   redis://host:6379: state shared by replicas (same as --redis)
  MIXPEEK_BUDGET_PER_BATCH, MIXPEEK_BUDGET_PER_CREDENTIAL  the budgets above
  MIXPEEK_LOG_LEVEL   debug, info (default), warning or error; debug names the form of each API answer
  MIXPEEK_AUDIT_LOG   audit file of writes (JSON lines), default ~/.local/state/mixpeek-batch-mcp/audit.jsonl; "off" disables
  OTEL_EXPORTER_OTLP_ENDPOINT  send OpenTelemetry traces (OTLP/HTTP JSON) to this collector, e.g. http://127.0.0.1:4318;
                      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT gives the full traces URL instead; off by default`;

const port = (name: string) => z.coerce.number({ error: `${name} must be a number` })
  .int(`${name} must be a whole number`).min(0, `${name} must be 0–65535`).max(65535, `${name} must be 0–65535`);

/** Parses argv (without node and script) and the environment; throws ConfigError listing every problem. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, knownTools: readonly string[]): Config {
  const problems: string[] = [];
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    throw new ConfigError([`${optionProblem((error as Error).message)} Run with --help for usage.`]);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };
  const [subcommand, ...operands] = positionals;
  // report takes a bucket and a batch id; the other commands take nothing.
  const extra = operands.slice(subcommand === "report" ? 2 : 0);
  if (extra.length) problems.push(`Unexpected argument(s): ${extra.join(" ")}. Run with --help for usage.`);

  if (subcommand === "list-tools") {
    if (problems.length) throw new ConfigError(problems);
    return { command: "list-tools", json: Boolean(values.json) };
  }
  if (subcommand === "emulator") {
    const emulatorPort = collect(problems, port("--port").safeParse(values.port ?? "4010"));
    if (problems.length) throw new ConfigError(problems);
    const scenarios = !values.scenarios || values.scenarios === "all" ? "all" : splitList(values.scenarios);
    return { command: "emulator", port: emulatorPort!, host: values.host ?? "127.0.0.1", scenarios, variant: values.variant };
  }
  const report = subcommand === "report";
  if (subcommand !== undefined && !report) problems.push(`Unknown command "${subcommand}". Commands: emulator, list-tools, report.`);
  const [bucket, batchId] = report ? operands : [];
  if (report && !batchId) problems.push("report needs a bucket and a batch id: mixpeek-batch-mcp report <bucket> <batch_id> [--out FILE]. list_batches (or the --sandbox banner) names the batch ids.");
  if (report && values.http) problems.push("--http does not apply to report, which writes a file and exits.");
  if (!report && values.out !== undefined) problems.push("--out applies only to the report command.");

  const sandbox = Boolean(values.sandbox);
  if (values.variant !== undefined && !sandbox) problems.push("--variant applies only with --sandbox or the emulator command.");
  const apiUrl = (env.MIXPEEK_API_URL ?? "").trim() || "https://api.mixpeek.com";
  if (!sandbox && !/^https?:\/\/[^\s/]+/.test(apiUrl)) {
    problems.push(`MIXPEEK_API_URL "${apiUrl}" is not an http(s) URL. Example: https://api.mixpeek.com`);
  } else if (!sandbox) {
    try { new URL(apiUrl); } catch { problems.push(`MIXPEEK_API_URL "${apiUrl}" is not a valid URL.`); }
  }
  const apiKey = (env.MIXPEEK_API_KEY ?? "").trim();
  // The key is redacted from every output, so a short one would blank out ordinary words.
  if (!sandbox && apiKey && apiKey.length < MIN_KEY_LENGTH) {
    problems.push(`MIXPEEK_API_KEY is ${apiKey.length} characters long; a Mixpeek key is longer (sk_…). Check its value, or try the server with --sandbox.`);
  }
  // Over HTTP each client may bring its own key and namespace, so the server needs none.
  const perRequestCredentials = Boolean(values.http);
  if (!sandbox && !perRequestCredentials && !apiKey) problems.push("MIXPEEK_API_KEY is not set. Create a key in the Mixpeek dashboard, or try the server with --sandbox.");
  const namespace = (env.MIXPEEK_NAMESPACE ?? "").trim() || undefined;
  if (!sandbox && !perRequestCredentials && !namespace) problems.push("MIXPEEK_NAMESPACE is not set. Set it to your namespace id (ns_...) or name: the API scopes every batch by it.");
  const timeoutMs = collect(problems, z.coerce.number({ error: "MIXPEEK_TIMEOUT_MS must be a number of milliseconds" })
    .int("MIXPEEK_TIMEOUT_MS must be a whole number of milliseconds")
    .min(100, "MIXPEEK_TIMEOUT_MS must be at least 100").max(600_000, "MIXPEEK_TIMEOUT_MS must be at most 600000")
    .safeParse(env.MIXPEEK_TIMEOUT_MS?.trim() || "30000"));
  const pollIntervalMs = collect(problems, z.coerce.number({ error: "MIXPEEK_POLL_INTERVAL_MS must be a number of milliseconds" })
    .int("MIXPEEK_POLL_INTERVAL_MS must be a whole number").min(10, "MIXPEEK_POLL_INTERVAL_MS must be at least 10").max(60_000, "MIXPEEK_POLL_INTERVAL_MS must be at most 60000")
    .safeParse(env.MIXPEEK_POLL_INTERVAL_MS?.trim() || "1000"));
  const dedupeWindowMs = collect(problems, z.coerce.number({ error: "MIXPEEK_DEDUPE_WINDOW_MS must be a number of milliseconds" })
    .int("MIXPEEK_DEDUPE_WINDOW_MS must be a whole number").min(0, "MIXPEEK_DEDUPE_WINDOW_MS must be 0 (off) or more").max(3_600_000, "MIXPEEK_DEDUPE_WINDOW_MS must be at most 3600000")
    .safeParse(env.MIXPEEK_DEDUPE_WINDOW_MS?.trim() || "60000"));
  const budget = (flag: string, name: string, fallback: number) => collect(problems, z.coerce.number({ error: `${flag} (or ${name}) must be a number of calls` })
    .int(`${flag} (or ${name}) must be a whole number`).min(0, `${flag} (or ${name}) must be 0 (no cap) or more`).max(100_000, `${flag} (or ${name}) must be at most 100000`)
    .safeParse(values[flag.slice(2) as "budget-per-batch" | "budget-per-credential"]?.trim() || env[name]?.trim() || String(fallback)));
  const budgets = {
    perBatch: budget("--budget-per-batch", "MIXPEEK_BUDGET_PER_BATCH", DEFAULT_BUDGETS.perBatch),
    perCredential: budget("--budget-per-credential", "MIXPEEK_BUDGET_PER_CREDENTIAL", DEFAULT_BUDGETS.perCredential),
  };
  const redisUrl = (values.redis ?? env.MIXPEEK_REDIS_URL ?? "").trim() || undefined;
  if (redisUrl && !/^rediss?:\/\/[^\s/]/.test(redisUrl)) {
    problems.push(`--redis (or MIXPEEK_REDIS_URL) "${redact(redisUrl)}" is not a Redis URL. Example: redis://127.0.0.1:6379 (rediss:// for TLS).`);
  }
  const otlpTracesUrl = tracesUrl(problems, env);
  const auditSetting = env.MIXPEEK_AUDIT_LOG?.trim();
  // The sandbox's batch ids are the same on every start: a file kept across starts would show one
  // run's repairs as already done on the next run's fresh batches. It keeps its record in memory.
  const auditLog = auditSetting === "off" ? undefined : auditSetting || (sandbox ? undefined : defaultAuditPath(env));
  // Kernel filesystems are no place for a log, and creating directories there can hang the process.
  if (auditLog && /^\/(proc|sys|dev)(\/|$)/.test(resolve(auditLog))) {
    problems.push(`MIXPEEK_AUDIT_LOG "${auditLog}" is on a system filesystem (/proc, /sys, /dev): choose a file on a normal disk, or "off".`);
  }
  const logLevel = env.MIXPEEK_LOG_LEVEL?.trim().toLowerCase() || "info";
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) problems.push(`MIXPEEK_LOG_LEVEL must be ${LOG_LEVELS.join(", ")} (got "${logLevel}").`);
  const confirm = values.confirm ?? "elicit";
  if (!["elicit", "token", "none"].includes(confirm)) problems.push(`--confirm must be elicit, token or none (got "${confirm}").`);
  const toolsets = parseToolsets(problems, (values.toolsets ?? env.MIXPEEK_TOOLSETS ?? "").trim());
  const tools = values.tools === undefined ? undefined : splitList(values.tools);
  const unknown = (tools ?? []).filter((name) => !knownTools.includes(name));
  if (unknown.length) problems.push(`--tools names unknown tool(s): ${unknown.join(", ")}. Known: ${knownTools.join(", ")}.`);
  if (tools && tools.length === 0) problems.push("--tools is empty; name at least one tool.");
  const httpPort = collect(problems, port("--port").safeParse(values.port ?? "3333"));
  const httpOnly = ["port", "host", "auth-token", "allow-unauthenticated", "allowed-hosts", "allowed-origins"] as const;
  const misplaced = httpOnly.filter((name) => values[name] !== undefined);
  if (!values.http && misplaced.length) problems.push(`${misplaced.map((n) => `--${n}`).join(", ")} ${misplaced.length === 1 ? "applies" : "apply"} only with --http${misplaced.some((n) => n === "port" || n === "host") ? " (or the emulator command)" : ""}.`);
  const host = values.host ?? "127.0.0.1";
  const authToken = (values["auth-token"] ?? env.MIXPEEK_MCP_AUTH_TOKEN ?? "").trim() || undefined;
  if (values.http && !isLoopback(host) && !authToken && !values["allow-unauthenticated"]) {
    problems.push(`--host ${host} exposes the server beyond this machine: set --auth-token (or MIXPEEK_MCP_AUTH_TOKEN) so clients must authenticate, or pass --allow-unauthenticated if a proxy in front does it.`);
  }
  if (problems.length) throw new ConfigError(problems);

  const server: ServerConfig = {
    command: "serve",
    transport: values.http ? "http" : "stdio",
    sandbox,
    apiUrl,
    apiKey,
    namespace,
    timeoutMs: timeoutMs!,
    toolsets: toolsets!,
    readOnly: Boolean(values["read-only"]),
    disableDestructive: Boolean(values["disable-destructive"]),
    tools,
    confirm: confirm as ConfirmPolicy,
    pollIntervalMs: pollIntervalMs!,
    dedupeWindowMs: dedupeWindowMs!,
    auditLog,
    confirmSecret: env.MIXPEEK_CONFIRM_SECRET?.trim() || undefined,
    redisUrl,
    budgets: { perBatch: budgets.perBatch!, perCredential: budgets.perCredential! },
    otlpTracesUrl,
    variant: values.variant,
    logLevel: logLevel as LogLevel,
    http: {
      port: httpPort!, host, authToken,
      allowedHosts: splitList(values["allowed-hosts"] ?? ""),
      allowedOrigins: splitList(values["allowed-origins"] ?? ""),
    },
  };
  return report ? { command: "report", bucket: bucket!, batchId: batchId!, out: values.out, server } : server;
}

const MIN_KEY_LENGTH = 8;

/** The OTLP/HTTP traces URL from the standard OpenTelemetry variables: the traces endpoint as
 * is, or the base endpoint + /v1/traces. Only JSON over HTTP is sent. */
function tracesUrl(problems: string[], env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const full = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!full && !base) return undefined;
  const name = full ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT";
  const url = full || `${base!.replace(/\/+$/, "")}/v1/traces`;
  if (!/^https?:\/\/[^\s/]/.test(url) || !URL.canParse(url)) {
    problems.push(`${name} "${redact(full || base!)}" is not an http(s) URL. Example: http://127.0.0.1:4318 (an OpenTelemetry Collector's OTLP/HTTP receiver).`);
  }
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (protocol && protocol !== "http/json") {
    problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL "${protocol}" is not supported: traces are sent as http/json, which an OpenTelemetry Collector's OTLP/HTTP receiver (port 4318) accepts. Unset it or set it to http/json.`);
  }
  return url;
}

/** A comma list of toolsets, or "all"; empty means the default ones. */
function parseToolsets(problems: string[], text: string): readonly Toolset[] | undefined {
  if (!text) return DEFAULT_TOOLSETS;
  const names = splitList(text);
  if (names.includes("all")) return TOOLSETS;
  const unknown = names.filter((name) => !(TOOLSETS as readonly string[]).includes(name));
  if (unknown.length || !names.length) {
    problems.push(`--toolsets (or MIXPEEK_TOOLSETS) names unknown toolset(s): ${unknown.join(", ") || "(none)"}. Known: ${TOOLSETS.join(", ")}, or all.`);
    return undefined;
  }
  return TOOLSETS.filter((name) => names.includes(name));
}

const OPTIONS = {
  sandbox: { type: "boolean" },
  http: { type: "boolean" },
  port: { type: "string" },
  host: { type: "string" },
  "read-only": { type: "boolean" },
  "disable-destructive": { type: "boolean" },
  tools: { type: "string" },
  toolsets: { type: "string" },
  confirm: { type: "string" },
  scenarios: { type: "string" },
  variant: { type: "string" },
  "auth-token": { type: "string" },
  "allow-unauthenticated": { type: "boolean" },
  "allowed-hosts": { type: "string" },
  "allowed-origins": { type: "string" },
  redis: { type: "string" },
  "budget-per-batch": { type: "string" },
  "budget-per-credential": { type: "string" },
  json: { type: "boolean" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

function parseOptions(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
}

/** parseArgs' message, made short, with the closest known option for a misspelt one. */
function optionProblem(message: string): string {
  const unknown = /Unknown option '(-{1,2}[^']*)'/.exec(message)?.[1];
  if (!unknown) return message.replace(/'/g, "");
  const name = unknown.replace(/^-+/, "").split("=")[0]!;
  const closest = Object.keys(OPTIONS).map((option) => ({ option, distance: editDistance(name, option) }))
    .sort((a, b) => a.distance - b.distance)[0]!;
  const hint = closest.distance <= Math.max(2, Math.floor(name.length / 3)) ? ` Did you mean --${closest.option}?` : "";
  return `Unknown option ${unknown}.${hint}`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function collect<T>(problems: string[], result: z.ZodSafeParseResult<T>): T | undefined {
  if (result.success) return result.data;
  problems.push(...result.error.issues.map((issue) => issue.message));
  return undefined;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A URL as it may be shown: without its password. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/\s]*@/, "//…@");
}

function splitList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}
