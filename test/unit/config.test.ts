// parseConfig: argv and environment parsed once, every problem reported together, defaults,
// environment versus flags, the --variant rules and MIXPEEK_LOG_LEVEL. Pure: no process state.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, USAGE, isLoopback, parseConfig, type Config, type ServerConfig } from "../../src/cli/config.js";
import { VARIANT_NAMES } from "../../src/emulator/variants.js";

const TOOLS = ["get_batch", "cancel_batch", "diagnose_batch"] as const;
const CREDENTIALS = { MIXPEEK_API_KEY: "sk_test_key", MIXPEEK_NAMESPACE: "ns_test" };

/** The problems parseConfig reports, or a failure when it accepts the input. */
function problems(argv: string[], env: NodeJS.ProcessEnv = CREDENTIALS): string[] {
  try {
    const config = parseConfig(argv, env, TOOLS);
    throw new Error(`accepted: ${JSON.stringify(config)}`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

function serve(argv: string[], env: NodeJS.ProcessEnv = CREDENTIALS): ServerConfig {
  const config: Config = parseConfig(argv, env, TOOLS);
  if (config.command !== "serve") throw new Error(`expected serve, got ${config.command}`);
  return config;
}

describe("defaults", () => {
  it("serves on stdio against the production API with every documented default", () => {
    const config = serve([], { ...CREDENTIALS, XDG_STATE_HOME: "/state" });
    expect(config).toEqual({
      command: "serve", transport: "stdio", sandbox: false,
      apiUrl: "https://api.mixpeek.com", apiKey: "sk_test_key", namespace: "ns_test",
      timeoutMs: 30_000, toolsets: ["triage", "ingest"], readOnly: false, disableDestructive: false, tools: undefined, confirm: "elicit",
      pollIntervalMs: 1000, dedupeWindowMs: 60_000,
      auditLog: join("/state", "mixpeek-batch-mcp", "audit.jsonl"),
      confirmSecret: undefined, variant: undefined, logLevel: "info",
      redisUrl: undefined, budgets: { perBatch: 10, perCredential: 100 },
      http: { port: 3333, host: "127.0.0.1", authToken: undefined, allowedHosts: [], allowedOrigins: [] },
    });
  });

  it("puts the audit log under ~/.local/state when XDG_STATE_HOME is unset or blank", () => {
    for (const env of [CREDENTIALS, { ...CREDENTIALS, XDG_STATE_HOME: "  " }]) {
      expect(serve([], env).auditLog).toMatch(/[/\\]\.local[/\\]state[/\\]mixpeek-batch-mcp[/\\]audit\.jsonl$/);
    }
  });

  it("treats blank environment values as unset", () => {
    const config = serve([], {
      ...CREDENTIALS, MIXPEEK_API_URL: "  ", MIXPEEK_TIMEOUT_MS: " ", MIXPEEK_POLL_INTERVAL_MS: "",
      MIXPEEK_DEDUPE_WINDOW_MS: "", MIXPEEK_LOG_LEVEL: " ", MIXPEEK_CONFIRM_SECRET: "  ", MIXPEEK_MCP_AUTH_TOKEN: " ",
    });
    expect(config).toMatchObject({
      apiUrl: "https://api.mixpeek.com", timeoutMs: 30_000, pollIntervalMs: 1000, dedupeWindowMs: 60_000,
      logLevel: "info", confirmSecret: undefined, http: { authToken: undefined },
    });
  });
});

describe("the environment", () => {
  it("reads every MIXPEEK_ variable, trimmed", () => {
    const config = serve([], {
      MIXPEEK_API_KEY: " sk_live_abc ", MIXPEEK_NAMESPACE: " ns_prod ", MIXPEEK_API_URL: " https://eu.mixpeek.example/ ",
      MIXPEEK_TIMEOUT_MS: " 1500 ", MIXPEEK_POLL_INTERVAL_MS: "250", MIXPEEK_DEDUPE_WINDOW_MS: "0",
      MIXPEEK_CONFIRM_SECRET: " s3cret ", MIXPEEK_AUDIT_LOG: " /var/log/audit.jsonl ",
    });
    expect(config).toMatchObject({
      apiKey: "sk_live_abc", namespace: "ns_prod", apiUrl: "https://eu.mixpeek.example/",
      timeoutMs: 1500, pollIntervalMs: 250, dedupeWindowMs: 0, confirmSecret: "s3cret", auditLog: "/var/log/audit.jsonl",
    });
  });

  it("turns the audit log off with MIXPEEK_AUDIT_LOG=off", () => {
    expect(serve([], { ...CREDENTIALS, MIXPEEK_AUDIT_LOG: "off" }).auditLog).toBeUndefined();
    expect(serve([], { ...CREDENTIALS, MIXPEEK_AUDIT_LOG: " off " }).auditLog).toBeUndefined();
  });

  it.each([
    ["MIXPEEK_TIMEOUT_MS", "abc", "MIXPEEK_TIMEOUT_MS must be a number of milliseconds"],
    ["MIXPEEK_TIMEOUT_MS", "1.5", "MIXPEEK_TIMEOUT_MS must be a whole number of milliseconds"],
    ["MIXPEEK_TIMEOUT_MS", "99", "MIXPEEK_TIMEOUT_MS must be at least 100"],
    ["MIXPEEK_TIMEOUT_MS", "600001", "MIXPEEK_TIMEOUT_MS must be at most 600000"],
    ["MIXPEEK_POLL_INTERVAL_MS", "x", "MIXPEEK_POLL_INTERVAL_MS must be a number of milliseconds"],
    ["MIXPEEK_POLL_INTERVAL_MS", "10.5", "MIXPEEK_POLL_INTERVAL_MS must be a whole number"],
    ["MIXPEEK_POLL_INTERVAL_MS", "9", "MIXPEEK_POLL_INTERVAL_MS must be at least 10"],
    ["MIXPEEK_POLL_INTERVAL_MS", "60001", "MIXPEEK_POLL_INTERVAL_MS must be at most 60000"],
    ["MIXPEEK_DEDUPE_WINDOW_MS", "soon", "MIXPEEK_DEDUPE_WINDOW_MS must be a number of milliseconds"],
    ["MIXPEEK_DEDUPE_WINDOW_MS", "0.5", "MIXPEEK_DEDUPE_WINDOW_MS must be a whole number"],
    ["MIXPEEK_DEDUPE_WINDOW_MS", "-1", "MIXPEEK_DEDUPE_WINDOW_MS must be 0 (off) or more"],
    ["MIXPEEK_DEDUPE_WINDOW_MS", "3600001", "MIXPEEK_DEDUPE_WINDOW_MS must be at most 3600000"],
  ])("refuses %s=%s", (name, value, message) => {
    expect(problems([], { ...CREDENTIALS, [name]: value })).toEqual([message]);
  });

  it.each([
    ["MIXPEEK_TIMEOUT_MS", "100", "timeoutMs", 100],
    ["MIXPEEK_TIMEOUT_MS", "600000", "timeoutMs", 600_000],
    ["MIXPEEK_POLL_INTERVAL_MS", "10", "pollIntervalMs", 10],
    ["MIXPEEK_POLL_INTERVAL_MS", "60000", "pollIntervalMs", 60_000],
    ["MIXPEEK_DEDUPE_WINDOW_MS", "3600000", "dedupeWindowMs", 3_600_000],
  ] as const)("accepts the bound %s=%s", (name, value, key, expected) => {
    expect(serve([], { ...CREDENTIALS, [name]: value })[key]).toBe(expected);
  });

  it.each(["ftp://api.mixpeek.com", "api.mixpeek.com", "https:// spaced"])("refuses MIXPEEK_API_URL=%s", (url) => {
    expect(problems([], { ...CREDENTIALS, MIXPEEK_API_URL: url })).toEqual([
      `MIXPEEK_API_URL "${url}" is not an http(s) URL. Example: https://api.mixpeek.com`,
    ]);
  });

  it("refuses an http(s) URL that does not parse", () => {
    expect(problems([], { ...CREDENTIALS, MIXPEEK_API_URL: "http://exa mple.com" })).toEqual([
      'MIXPEEK_API_URL "http://exa mple.com" is not a valid URL.',
    ]);
    expect(problems([], { ...CREDENTIALS, MIXPEEK_API_URL: "http://[::1" })).toEqual(['MIXPEEK_API_URL "http://[::1" is not a valid URL.']);
  });

  it("names the missing key and namespace, with how to fix each", () => {
    const found = problems([], {});
    expect(found).toEqual([
      "MIXPEEK_API_KEY is not set. Create a key in the Mixpeek dashboard, or try the server with --sandbox.",
      "MIXPEEK_NAMESPACE is not set. Set it to your namespace id (ns_...) or name: the API scopes every batch by it.",
    ]);
    expect(problems([], { MIXPEEK_API_KEY: "  ", MIXPEEK_NAMESPACE: "ns" })).toEqual([found[0]]);
    expect(problems([], { MIXPEEK_API_KEY: "sk_test_key", MIXPEEK_NAMESPACE: " " })).toEqual([found[1]]);
  });

  it("needs no key, namespace or valid URL in sandbox mode", () => {
    const config = serve(["--sandbox"], { MIXPEEK_API_URL: "not a url" });
    expect(config).toMatchObject({ sandbox: true, apiKey: "", namespace: undefined, apiUrl: "not a url" });
  });

  it("keeps the sandbox's audit in memory, whose batch ids repeat on every start, unless a file is set", () => {
    expect(serve(["--sandbox"], { XDG_STATE_HOME: "/state" }).auditLog).toBeUndefined();
    expect(serve(["--sandbox"], { MIXPEEK_AUDIT_LOG: "/tmp/sandbox-audit.jsonl" }).auditLog).toBe("/tmp/sandbox-audit.jsonl");
    expect(serve([], { ...CREDENTIALS, XDG_STATE_HOME: "/state" }).auditLog).toBe(join("/state", "mixpeek-batch-mcp", "audit.jsonl"));
  });

  it("needs no key or namespace over HTTP, where each client brings its own", () => {
    expect(serve(["--http"], {})).toMatchObject({ transport: "http", apiKey: "", namespace: undefined });
  });
});

describe("MIXPEEK_LOG_LEVEL", () => {
  it.each([["debug", "debug"], ["info", "info"], ["warning", "warning"], ["error", "error"], [" DEBUG ", "debug"], ["Warning", "warning"]])(
    "%j reads as %s", (value, level) => {
      expect(serve([], { ...CREDENTIALS, MIXPEEK_LOG_LEVEL: value }).logLevel).toBe(level);
    });

  it("refuses other levels, naming the valid ones and what it got", () => {
    expect(problems([], { ...CREDENTIALS, MIXPEEK_LOG_LEVEL: "Verbose" })).toEqual([
      'MIXPEEK_LOG_LEVEL must be debug, info, warning, error (got "verbose").',
    ]);
    expect(problems([], { ...CREDENTIALS, MIXPEEK_LOG_LEVEL: "warn" })).toHaveLength(1);
  });
});

describe("flags", () => {
  it("reads the serving flags", () => {
    const config = serve(["--read-only", "--disable-destructive", "--tools", " get_batch , cancel_batch,", "--confirm", "token"]);
    expect(config).toMatchObject({ readOnly: true, disableDestructive: true, tools: ["get_batch", "cancel_batch"], confirm: "token" });
    expect(serve(["--confirm", "none"]).confirm).toBe("none");
  });

  it("reads the toolsets from --toolsets or MIXPEEK_TOOLSETS, triage and ingest by default, all for all", () => {
    expect(serve([]).toolsets).toEqual(["triage", "ingest"]);
    expect(serve(["--toolsets", " admin, triage "]).toolsets).toEqual(["triage", "admin"]);
    expect(serve(["--toolsets", "all"]).toolsets).toEqual(["triage", "ingest", "admin"]);
    expect(serve([], { ...CREDENTIALS, MIXPEEK_TOOLSETS: "ingest" }).toolsets).toEqual(["ingest"]);
    // The flag wins over the environment.
    expect(serve(["--toolsets", "admin"], { ...CREDENTIALS, MIXPEEK_TOOLSETS: "ingest" }).toolsets).toEqual(["admin"]);
  });

  it("refuses unknown toolsets, naming the known ones", () => {
    expect(problems(["--toolsets", "triage,ops"])).toEqual(["--toolsets (or MIXPEEK_TOOLSETS) names unknown toolset(s): ops. Known: triage, ingest, admin, or all."]);
    expect(problems(["--toolsets", " , "])).toEqual(["--toolsets (or MIXPEEK_TOOLSETS) names unknown toolset(s): (none). Known: triage, ingest, admin, or all."]);
  });

  it("refuses an unknown --confirm mode and unknown tools, naming the known ones", () => {
    expect(problems(["--confirm", "maybe"])).toEqual(['--confirm must be elicit, token or none (got "maybe").']);
    expect(problems(["--tools", "get_batch,nope,also_nope"])).toEqual([
      "--tools names unknown tool(s): nope, also_nope. Known: get_batch, cancel_batch, diagnose_batch.",
    ]);
    expect(problems(["--tools", " , "])).toEqual(["--tools is empty; name at least one tool."]);
  });

  it("reads the HTTP flags", () => {
    const config = serve(["--http", "--port", "0", "--host", "localhost", "--allowed-hosts", "a.example, b.example", "--allowed-origins", "https://app.example"], {});
    expect(config.http).toEqual({
      port: 0, host: "localhost", authToken: undefined, allowedHosts: ["a.example", "b.example"], allowedOrigins: ["https://app.example"],
    });
  });

  it.each([["abc", "--port must be a number"], ["1.5", "--port must be a whole number"], ["-1", "--port must be 0–65535"], ["65536", "--port must be 0–65535"]])(
    "refuses --port %s", (port, message) => {
      expect(problems(["--http", `--port=${port}`])).toEqual([message]);
    });

  it("accepts --port 65535", () => {
    expect(serve(["--http", "--port", "65535"]).http.port).toBe(65535);
  });

  it("prefers --auth-token to MIXPEEK_MCP_AUTH_TOKEN, and falls back to it", () => {
    const env = { ...CREDENTIALS, MIXPEEK_MCP_AUTH_TOKEN: " from-env " };
    expect(serve(["--http", "--auth-token", " from-flag "], env).http.authToken).toBe("from-flag");
    expect(serve(["--http"], env).http.authToken).toBe("from-env");
  });

  it("refuses HTTP-only flags without --http, saying which and where they apply", () => {
    expect(problems(["--auth-token", "t", "--allowed-hosts", "x"])).toEqual(["--auth-token, --allowed-hosts apply only with --http."]);
    expect(problems(["--port", "4000"])).toEqual(["--port applies only with --http (or the emulator command)."]);
    expect(problems(["--host", "0.0.0.0", "--allow-unauthenticated"])).toEqual([
      "--host, --allow-unauthenticated apply only with --http (or the emulator command).",
    ]);
    expect(problems(["--allowed-origins", "o"])).toEqual(["--allowed-origins applies only with --http."]);
  });

  it("refuses a non-loopback HTTP host without authentication", () => {
    expect(problems(["--http", "--host", "0.0.0.0"])).toEqual([
      "--host 0.0.0.0 exposes the server beyond this machine: set --auth-token (or MIXPEEK_MCP_AUTH_TOKEN) so clients must authenticate, or pass --allow-unauthenticated if a proxy in front does it.",
    ]);
    expect(serve(["--http", "--host", "0.0.0.0", "--auth-token", "t"]).http).toMatchObject({ host: "0.0.0.0", authToken: "t" });
    expect(serve(["--http", "--host", "0.0.0.0"], { ...CREDENTIALS, MIXPEEK_MCP_AUTH_TOKEN: "t" }).http.authToken).toBe("t");
    expect(serve(["--http", "--host", "0.0.0.0", "--allow-unauthenticated"]).http.authToken).toBeUndefined();
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) expect(serve(["--http", "--host", host]).http.host).toBe(host);
  });

  it("knows the loopback names", () => {
    for (const host of ["localhost", "::1", "[::1]", "127.0.0.1", "127.255.0.9"]) expect(isLoopback(host), host).toBe(true);
    for (const host of ["0.0.0.0", "10.0.0.1", "localhost.example", "127.0.0", "x127.0.0.1", "127.0.0.1.example", "::"]) expect(isLoopback(host), host).toBe(false);
  });
});

describe("shared state and budgets", () => {
  it("reads the Redis URL from --redis or MIXPEEK_REDIS_URL, the flag first", () => {
    expect(serve(["--redis", "redis://cache:6379"]).redisUrl).toBe("redis://cache:6379");
    expect(serve([], { ...CREDENTIALS, MIXPEEK_REDIS_URL: " rediss://:pw@cache:6380/2 " }).redisUrl).toBe("rediss://:pw@cache:6380/2");
    expect(serve(["--redis", "redis://flag:1"], { ...CREDENTIALS, MIXPEEK_REDIS_URL: "redis://env:2" }).redisUrl).toBe("redis://flag:1");
  });

  it("refuses a URL that is not redis:// or rediss://, without echoing its password", () => {
    const problems = () => serve([], { ...CREDENTIALS, MIXPEEK_REDIS_URL: "http://user:hunter2@cache:6379" });
    expect(problems).toThrow(/--redis \(or MIXPEEK_REDIS_URL\) "http:\/\/…@cache:6379" is not a Redis URL\. Example: redis:\/\/127\.0\.0\.1:6379/);
    expect(problems).not.toThrow(/hunter2/);
  });

  it("reads the budgets from flags or the environment, the flag first; 0 turns one off", () => {
    expect(serve(["--budget-per-batch", "3", "--budget-per-credential", "0"]).budgets).toEqual({ perBatch: 3, perCredential: 0 });
    expect(serve([], { ...CREDENTIALS, MIXPEEK_BUDGET_PER_BATCH: " 0 ", MIXPEEK_BUDGET_PER_CREDENTIAL: "250" }).budgets).toEqual({ perBatch: 0, perCredential: 250 });
    expect(serve(["--budget-per-batch", "4"], { ...CREDENTIALS, MIXPEEK_BUDGET_PER_BATCH: "9" }).budgets.perBatch).toBe(4);
  });

  it("refuses budgets that are not whole numbers of zero or more, naming flag and variable", () => {
    const error = (() => { try { serve(["--budget-per-batch=-1"], { ...CREDENTIALS, MIXPEEK_BUDGET_PER_CREDENTIAL: "lots" }); } catch (e) { return e as ConfigError; } })();
    expect(error?.problems).toEqual([
      "--budget-per-batch (or MIXPEEK_BUDGET_PER_BATCH) must be 0 (no cap) or more",
      "--budget-per-credential (or MIXPEEK_BUDGET_PER_CREDENTIAL) must be a number of calls",
    ]);
  });
});

describe("--variant", () => {
  it("applies with --sandbox", () => {
    expect(serve(["--sandbox", "--variant", "sparse"], {})).toMatchObject({ sandbox: true, variant: "sparse" });
  });

  it("is refused without --sandbox", () => {
    expect(problems(["--variant", "fastapi"])).toEqual(["--variant applies only with --sandbox or the emulator command."]);
    expect(problems(["--http", "--variant", "fastapi"], {})).toEqual(["--variant applies only with --sandbox or the emulator command."]);
  });

  it("applies to the emulator command, with its own defaults", () => {
    expect(parseConfig(["emulator", "--variant", "fastapi"], {}, TOOLS)).toEqual({
      command: "emulator", port: 4010, host: "127.0.0.1", scenarios: "all", variant: "fastapi",
    });
    expect(parseConfig(["emulator"], {}, TOOLS)).toEqual({ command: "emulator", port: 4010, host: "127.0.0.1", scenarios: "all", variant: undefined });
  });
});

describe("commands", () => {
  it("reads the report command: the server's configuration, its bucket, batch id and --out", () => {
    const config = parseConfig(["report", "sandbox-media", "btch_1", "--sandbox", "--out", "x.html", "--read-only"], {}, TOOLS);
    expect(config).toMatchObject({ command: "report", bucket: "sandbox-media", batchId: "btch_1", out: "x.html", server: { command: "serve", sandbox: true, readOnly: true } });
    expect(parseConfig(["report", "b", "btch_1"], CREDENTIALS, TOOLS)).toMatchObject({ out: undefined, server: { apiKey: "sk_test_key", namespace: "ns_test" } });
    expect(problems(["report", "b"])).toEqual([expect.stringMatching(/^report needs a bucket and a batch id/)]);
    expect(problems(["report", "b", "btch_1", "more"])).toEqual(["Unexpected argument(s): more. Run with --help for usage."]);
    expect(problems(["report", "b", "btch_1", "--http"])).toEqual(["--http does not apply to report, which writes a file and exits."]);
    expect(problems(["report", "b", "btch_1"], {})).toEqual([expect.stringMatching(/^MIXPEEK_API_KEY is not set/), expect.stringMatching(/^MIXPEEK_NAMESPACE is not set/)]);
    expect(problems(["--out", "x.html"])).toEqual(["--out applies only to the report command."]);
  });

  it("reads the emulator command's options", () => {
    expect(parseConfig(["emulator", "--port", "0", "--host", "0.0.0.0", "--scenarios", " stuck-tier, oom-gpu-tier "], {}, TOOLS)).toEqual({
      command: "emulator", port: 0, host: "0.0.0.0", scenarios: ["stuck-tier", "oom-gpu-tier"], variant: undefined,
    });
    expect(parseConfig(["emulator", "--scenarios", "all"], {}, TOOLS)).toMatchObject({ scenarios: "all" });
    expect(problems(["emulator", "--port", "70000"])).toEqual(["--port must be 0–65535"]);
    expect(problems(["emulator", "extra"])).toEqual(["Unexpected argument(s): extra. Run with --help for usage."]);
  });

  it("lists tools, as text or JSON", () => {
    expect(parseConfig(["list-tools"], {}, TOOLS)).toEqual({ command: "list-tools", json: false });
    expect(parseConfig(["list-tools", "--json"], {}, TOOLS)).toEqual({ command: "list-tools", json: true });
    expect(problems(["list-tools", "a", "b"])).toEqual(["Unexpected argument(s): a b. Run with --help for usage."]);
  });

  it("names every emulator variant in --help", () => {
    const listed = /--variant NAME[\s\S]*?to serve: ([^\n]+)/.exec(USAGE)![1]!.split(/, | or /);
    expect(listed).toEqual(VARIANT_NAMES);
  });

  it("answers --help and --version before checking anything else", () => {
    expect(parseConfig(["--help", "--port", "nope"], {}, TOOLS)).toEqual({ command: "help" });
    expect(parseConfig(["-h"], {}, TOOLS)).toEqual({ command: "help" });
    expect(parseConfig(["--version"], {}, TOOLS)).toEqual({ command: "version" });
    expect(parseConfig(["-v", "bogus"], {}, TOOLS)).toEqual({ command: "version" });
  });

  it("refuses an unknown command and an unknown option", () => {
    expect(problems(["serve"])).toEqual(['Unknown command "serve". Commands: emulator, list-tools, report.']);
    const [unknownOption, ...rest] = problems(["--bogus"]);
    expect(rest).toEqual([]);
    expect(unknownOption).toBe("Unknown option --bogus. Run with --help for usage.");
  });

  it("suggests the known option closest to a misspelt one", () => {
    expect(problems(["--sandbx"])).toEqual(["Unknown option --sandbx. Did you mean --sandbox? Run with --help for usage."]);
    expect(problems(["--readonly"])).toEqual(["Unknown option --readonly. Did you mean --read-only? Run with --help for usage."]);
    expect(problems(["--tool=get_batch"])).toEqual(["Unknown option --tool. Did you mean --tools? Run with --help for usage."]);
  });

  it("refuses a key too short to be a Mixpeek key, outside the sandbox only", () => {
    expect(problems([], { MIXPEEK_API_KEY: "sk_1234", MIXPEEK_NAMESPACE: "ns" })).toEqual([
      "MIXPEEK_API_KEY is 7 characters long; a Mixpeek key is longer (sk_…). Check its value, or try the server with --sandbox.",
    ]);
    expect(serve([], { MIXPEEK_API_KEY: "sk_12345", MIXPEEK_NAMESPACE: "ns" }).apiKey).toBe("sk_12345");
    expect(serve(["--sandbox"], { MIXPEEK_API_KEY: "abc" }).sandbox).toBe(true);
  });
});

describe("every problem at once", () => {
  it("collects every problem of one configuration into one error", () => {
    const env = {
      MIXPEEK_API_URL: "nope", MIXPEEK_TIMEOUT_MS: "5", MIXPEEK_POLL_INTERVAL_MS: "x", MIXPEEK_DEDUPE_WINDOW_MS: "-5", MIXPEEK_LOG_LEVEL: "loud",
    };
    let error: unknown;
    try { parseConfig(["oops", "more", "--variant", "sparse", "--confirm", "always", "--tools", "nope", "--port", "99999"], env, TOOLS); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems: found, message, name } = error as ConfigError;
    expect(found).toEqual([
      "Unexpected argument(s): more. Run with --help for usage.",
      'Unknown command "oops". Commands: emulator, list-tools, report.',
      "--variant applies only with --sandbox or the emulator command.",
      'MIXPEEK_API_URL "nope" is not an http(s) URL. Example: https://api.mixpeek.com',
      expect.stringMatching(/^MIXPEEK_API_KEY is not set/),
      expect.stringMatching(/^MIXPEEK_NAMESPACE is not set/),
      "MIXPEEK_TIMEOUT_MS must be at least 100",
      "MIXPEEK_POLL_INTERVAL_MS must be a number of milliseconds",
      "MIXPEEK_DEDUPE_WINDOW_MS must be 0 (off) or more",
      'MIXPEEK_LOG_LEVEL must be debug, info, warning, error (got "loud").',
      '--confirm must be elicit, token or none (got "always").',
      "--tools names unknown tool(s): nope. Known: get_batch, cancel_batch, diagnose_batch.",
      "--port must be 0–65535",
      "--port applies only with --http (or the emulator command).",
    ]);
    expect(name).toBe("ConfigError");
    expect(message).toBe(`Invalid configuration:\n${found.map((p) => `  - ${p}`).join("\n")}`);
  });
});

describe("the audit file's place", () => {
  it("refuses a file on a system filesystem, which could hang the first write", () => {
    for (const path of ["/proc/self/audit.jsonl", "/sys/audit.jsonl", "/dev/shm/../audit", "/proc"]) {
      expect(problems([], { ...CREDENTIALS, MIXPEEK_AUDIT_LOG: path }).join("\n"), path).toMatch(/is on a system filesystem \(\/proc, \/sys, \/dev\)/);
    }
    expect(serve([], { ...CREDENTIALS, MIXPEEK_AUDIT_LOG: "/var/log/procedures/audit.jsonl" }).auditLog).toBe("/var/log/procedures/audit.jsonl");
  });
});

describe("traces", () => {
  it("is off unless an OTLP endpoint is set, and off again with OTEL_SDK_DISABLED", () => {
    expect(serve([]).otlpTracesUrl).toBeUndefined();
    expect(serve([], { ...CREDENTIALS, OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" }).otlpTracesUrl).toBeUndefined();
  });

  it("sends to the base endpoint's /v1/traces, or to the traces endpoint as given", () => {
    expect(serve([], { ...CREDENTIALS, OTEL_EXPORTER_OTLP_ENDPOINT: " http://collector:4318/ " }).otlpTracesUrl).toBe("http://collector:4318/v1/traces");
    expect(serve([], { ...CREDENTIALS, OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://b/otlp/traces" }).otlpTracesUrl)
      .toBe("https://b/otlp/traces");
  });

  it("refuses an endpoint that is not an http(s) URL and a protocol other than http/json, together", () => {
    expect(problems([], { ...CREDENTIALS, OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT "collector:4317" is not an http(s) URL. Example: http://127.0.0.1:4318 (an OpenTelemetry Collector\'s OTLP/HTTP receiver).',
      'OTEL_EXPORTER_OTLP_PROTOCOL "grpc" is not supported: traces are sent as http/json, which an OpenTelemetry Collector\'s OTLP/HTTP receiver (port 4318) accepts. Unset it or set it to http/json.',
    ]);
    expect(serve([], { ...CREDENTIALS, OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }).otlpTracesUrl).toBe("http://c:4318/v1/traces");
  });
});
