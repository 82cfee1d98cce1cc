// What this server already did to a batch, so a diagnosis can continue a started flow (stuck
// detection confirmed → cancel the tier → retry it) and never repeat a fix that failed. Read from
// the audit log, which outlives restarts; with the audit off, from a bounded record in memory.
import type { AuditEntry, AuditLog } from "./audit.js";

export interface RecentAction {
  tool: string;
  /** The call's arguments beyond the batch, e.g. "tier_num=1 memory_bytes=17179869184". */
  summary: string;
  outcome: string;
  at: string;
  arguments: Record<string, unknown>;
}

export interface MemoryScope { namespace: string; credential: string }

/** Where the record lives: the audit file or this process (IncidentMemory), or Redis, shared by
 * every replica (redis-state.ts). */
export interface IncidentRecord {
  /** Records a call; never throws (an unwritable record must not break the call it records). */
  append(entry: AuditEntry): Promise<void>;
  /** This scope's own audit entries, newest first. */
  recent(scope: MemoryScope, limit?: number): Promise<AuditEntry[]>;
  /** This scope's actions on one batch, newest first. */
  forBatch(batchId: string, scope: MemoryScope): Promise<RecentAction[]>;
}

/** Older actions say nothing about the batch's current incident. */
export const HORIZON_MS = 24 * 3_600_000;
const IN_MEMORY = 1_000;
/** Actions on one batch kept at most. */
export const PER_BATCH = 20;
/** Not something done to the batch: a plan shown, or a repeat answered from the first call. */
const NOT_AN_ACTION = new Set(["confirmation_required"]);

/** Whether an entry is something done to its batch, worth remembering as an action. */
export const isAction = (entry: AuditEntry): boolean =>
  typeof entry.arguments["batch_id"] === "string" && !entry.deduplicated && !NOT_AN_ACTION.has(entry.outcome);

export class IncidentMemory implements IncidentRecord {
  private readonly record: AuditEntry[] = [];
  constructor(readonly audit: AuditLog, private readonly now: () => number = Date.now) {}

  async append(entry: AuditEntry): Promise<void> {
    this.audit.append(entry);
    if (this.audit.path) return;
    this.record.push(entry);
    if (this.record.length > IN_MEMORY) this.record.splice(0, this.record.length - IN_MEMORY);
  }

  async recent(scope: MemoryScope, limit = Number.POSITIVE_INFINITY): Promise<AuditEntry[]> {
    const entries = this.audit.path ? this.audit.recent(500) : [...this.record].reverse();
    return entries.filter((e) => e.namespace === scope.namespace && e.credential === scope.credential).slice(0, limit);
  }

  async forBatch(batchId: string, scope: MemoryScope): Promise<RecentAction[]> {
    return actionsOn(batchId, await this.recent(scope), this.now());
  }
}

/** The actions on `batchId` among `entries` (newest first), within the horizon. */
export function actionsOn(batchId: string, entries: readonly AuditEntry[], now: number): RecentAction[] {
  const since = now - HORIZON_MS;
  return entries
    .filter((e) => e.arguments["batch_id"] === batchId && isAction(e) && Date.parse(e.time) >= since)
    .slice(0, PER_BATCH)
    .map((e) => ({ tool: e.tool, summary: summarise(e.arguments), outcome: e.outcome, at: e.time, arguments: e.arguments }));
}

function summarise(args: Record<string, unknown>): string {
  const { bucket: _bucket, batch_id: _batch, ...rest } = args;
  const text = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}
