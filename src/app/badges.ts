// What is wrong with a tier, as short labelled badges; the DAG shows them on the tier and the
// text list repeats them, so both say the same.
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";
import { formatBytes } from "../util/bytes.js";
import { formatSeconds } from "./format.js";

export type Tier = DiagnoseBatchResult["tiers"][number];
export type BadgeKind = "stuck" | "oom" | "duplicate" | "failing-job" | "orphaned" | "qdrant";

export function badges(tier: Tier): { kind: BadgeKind; text: string }[] {
  const memory = tier.resources?.memory_bytes;
  return [
    tier.stuck && { kind: "stuck" as const, text: `stuck: idle ${tier.idle_seconds === null ? "for an unknown time" : formatSeconds(tier.idle_seconds)}` },
    tier.oom && { kind: "oom" as const, text: `out of memory${memory ? ` at ${formatBytes(memory)}` : ""}` },
    ...tier.duplicate_jobs.map((d) => ({ kind: "duplicate" as const, text: `duplicate jobs: ${d.extractor_type} ×${d.ray_job_ids.length}` })),
    ...tier.failing_jobs.map((j) => ({ kind: "failing-job" as const, text: `failing job: ${j.extractor_type} (${j.ray_job_id})` })),
    tier.orphaned && { kind: "orphaned" as const, text: "orphaned: its Ray job was lost" },
    tier.qdrant_write_failed && { kind: "qdrant" as const, text: "Qdrant write failed" },
  ].filter((badge): badge is { kind: BadgeKind; text: string } => Boolean(badge));
}
