// The audit log: one JSON line per mutating call, so a human can see what an agent did during
// an incident. Each line is written with a single append (O_APPEND), so concurrent writers and
// crashes never leave a torn line; lines are bounded so one write stays one write.
import { appendFileSync, mkdirSync, openSync, readSync, closeSync, fstatSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface AuditEntry {
  time: string;
  tool: string;
  arguments: Record<string, unknown>;
  namespace: string;
  /** A short digest of the API key, so each credential sees only its own history. */
  credential?: string;
  outcome: string;
  request_ids: string[];
  duration_ms: number;
  deduplicated: boolean;
  /** How a destructive call was confirmed; "pending" = a plan was returned, nothing applied;
   * "refused" = its confirm_token was refused (expired, used, or the target changed). */
  confirmed: "elicitation" | "token" | "pending" | "declined" | "refused" | "not required" | "disabled";
  error?: string;
}

const MAX_LINE = 4096;
const TAIL_BYTES = 256 * 1024;

/** The entry as one JSON line of at most MAX_LINE characters: oversized arguments are replaced by
 * the target alone, so incident memory still finds the call. */
export function auditLine(entry: AuditEntry): string {
  const line = JSON.stringify(entry);
  if (line.length <= MAX_LINE) return line;
  const { bucket, batch_id, tier_num } = entry.arguments;
  return JSON.stringify({ ...entry, arguments: { bucket, batch_id, tier_num, truncated: true, size: JSON.stringify(entry.arguments).length } });
}

export function defaultAuditPath(env: NodeJS.ProcessEnv): string {
  const state = env.XDG_STATE_HOME?.trim() || join(homedir(), ".local", "state");
  return join(state, "mixpeek-batch-mcp", "audit.jsonl");
}

export class AuditLog {
  private warned = false;
  /** Set after the first append has made the directory and ended any torn last line. */
  private prepared = false;
  constructor(readonly path: string | undefined, private readonly onError: (message: string) => void = () => {}) {}

  append(entry: AuditEntry): void {
    if (!this.path) return;
    const line = auditLine(entry);
    try {
      // If an earlier process died mid-line, start on a fresh line instead of gluing onto it.
      const prefix = this.prepared ? "" : this.prepare();
      appendFileSync(this.path, `${prefix}${line}\n`, { mode: 0o600 });
    } catch (error) {
      // An unwritable audit log must not break the call it records; say so once.
      if (!this.warned) this.onError(`audit log ${this.path} is not writable: ${(error as Error).message}`);
      this.warned = true;
    }
  }

  private prepare(): string {
    mkdirSync(dirname(this.path!), { recursive: true });
    this.prepared = true;
    try {
      const fd = openSync(this.path!, "r");
      try {
        const size = fstatSync(fd).size;
        if (size === 0) return "";
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, size - 1);
        return last[0] === 0x0a ? "" : "\n";
      } finally { closeSync(fd); }
    } catch {
      return ""; // no file yet
    }
  }

  /** The most recent entries, newest first, read from the end of the file. */
  recent(limit = 50): AuditEntry[] {
    if (!this.path) return [];
    let text: string;
    try {
      const fd = openSync(this.path, "r");
      try {
        const size = fstatSync(fd).size;
        const length = Math.min(size, TAIL_BYTES);
        const buffer = Buffer.alloc(length);
        readSync(fd, buffer, 0, length, size - length);
        text = buffer.toString("utf8");
      } finally { closeSync(fd); }
    } catch {
      return [];
    }
    const lines = text.split("\n").filter(Boolean);
    const entries: AuditEntry[] = [];
    for (const line of lines.reverse()) {
      try { entries.push(JSON.parse(line) as AuditEntry); } catch { /* the first line of a tail may be partial */ }
      if (entries.length >= limit) break;
    }
    return entries;
  }
}
