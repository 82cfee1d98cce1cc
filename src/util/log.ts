// Logs go to stderr (stdout belongs to the protocol in stdio mode) and to any added sink; the
// server sends MCP logging notifications itself (mcp/server.ts). Every line passes through
// redaction of the API key.
import { redact } from "./text.js";

export type LogLevel = "debug" | "info" | "warning" | "error";
type Sink = (level: LogLevel, message: string) => void;

export class Logger {
  private readonly sinks: Sink[] = [];
  private readonly minLevel: LogLevel;
  constructor(private readonly secrets: string[], options: { stderr?: boolean; minLevel?: LogLevel } = {}) {
    this.minLevel = options.minLevel ?? "info";
    if (options.stderr ?? true) this.sinks.push((level, message) => process.stderr.write(`[mixpeek-batch-mcp] ${level}: ${message}\n`));
  }

  addSink(sink: Sink): void { this.sinks.push(sink); }

  log(level: LogLevel, message: string): void {
    if (RANK[level] < RANK[this.minLevel]) return;
    const clean = redact(message, this.secrets);
    for (const sink of this.sinks) {
      try { sink(level, clean); } catch { /* a broken sink must not break a tool call */ }
    }
  }

  info(message: string): void { this.log("info", message); }
  warn(message: string): void { this.log("warning", message); }
  error(message: string): void { this.log("error", message); }
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };
