// What the safety rules must remember between calls: the duplicate window, used confirmation
// tokens, incident memory and mutation budgets. By default it lives in this process; with
// MIXPEEK_REDIS_URL it lives in Redis, so every replica behind a load balancer shares it. The
// Redis client is loaded only then (redis-state.ts), so the default start imports nothing more.
import type { ServerConfig } from "../cli/config.js";
import type { Logger } from "../util/log.js";
import { AuditLog } from "./audit.js";
import { LocalBudgets, type BudgetLedger } from "./budget.js";
import { LocalUsedTokens, type UsedTokens } from "./confirm.js";
import { RecentMutations, type MutationWindow } from "./dedupe.js";
import { IncidentMemory, type IncidentRecord } from "./incident-memory.js";

export interface SharedState {
  readonly mutations: MutationWindow;
  readonly usedTokens: UsedTokens;
  readonly memory: IncidentRecord;
  readonly budgets: BudgetLedger;
  /** Throws SharedStateUnavailable when writes cannot be made safely now (no round trip). */
  assertWritable(): void;
  /** For /healthz: undefined when there is no shared store; otherwise whether it answers. */
  health(): Promise<{ store: "redis"; reachable: boolean } | undefined>;
  close(): Promise<void>;
}

/** The shared store could not be reached; nothing was done by the call that met it. */
export class SharedStateUnavailable extends Error {
  override name = "SharedStateUnavailable";
}

/** This process's own state: the embedded default. */
export function localState(config: Pick<ServerConfig, "dedupeWindowMs" | "auditLog">, logger?: Logger): SharedState {
  return {
    mutations: new RecentMutations(config.dedupeWindowMs),
    usedTokens: new LocalUsedTokens(),
    memory: new IncidentMemory(new AuditLog(config.auditLog, (message) => logger?.warn(message))),
    budgets: new LocalBudgets(),
    assertWritable: () => {},
    health: async () => undefined,
    close: async () => {},
  };
}

/** Redis when the configuration names one, else this process's own state. */
export async function openSharedState(config: ServerConfig, logger: Logger): Promise<SharedState> {
  if (!config.redisUrl) return localState(config, logger);
  const { RedisState } = await import("./redis-state.js");
  return RedisState.open(config.redisUrl, {
    windowMs: config.dedupeWindowMs, timeoutMs: config.timeoutMs, audit: new AuditLog(config.auditLog, (message) => logger.warn(message)), logger,
  });
}
