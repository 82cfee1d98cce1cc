// Hand-written findings for the recommendation tests: the smallest valid objects, with only what
// a test sets differing from a healthy default.
import type { Findings, TierFinding } from "../../src/domain/diagnosis.js";
import type { FailureGroupView } from "../../src/domain/views.js";
import type { RecentAction } from "../../src/safety/incident-memory.js";

export const GIB = 2 ** 30;

export const tier = (tier_num: number, status: string, more: Partial<TierFinding> = {}): TierFinding => ({
  tier_num, status, collection_ids: [], jobs: [], idle_seconds: null, stuck: false, oom: false, orphaned: false, qdrant_write_failed: false, duplicate_jobs: [], failing_jobs: [], resources: null, ...more,
});

export const findingsFor = (batch_id: string) => (status: string, tiers: TierFinding[], more: Partial<Findings> = {}): Findings => ({
  batch_id, status, failure_category: null, total_tiers: tiers.length, tiers, events: [], failed_document_count: 0,
  failure_groups: [], failure_groups_omitted: 0, sampled_documents: 0, error_summary: {}, tiers_with_errors: [], api_recommendations: [], notes: [],
  ...more,
});

export const group = (transient: boolean, count: number, more: Partial<FailureGroupView> = {}): FailureGroupView => ({
  signature: transient ? "network: Read timed out" : "validation: Missing field", error_type: transient ? "network" : "validation",
  message: transient ? "Read timed out" : "Missing field", transient, count, max_retry_count: 0, tiers: [0],
  example_document_ids: transient ? ["doc_t1"] : ["doc_p1", "doc_p2"], ...more,
});

export const actionFor = (ref: { bucket: string; batch_id: string }) =>
  (tool: string, args: Record<string, unknown>, outcome: string, at = "2026-12-02T05:00:00.000Z"): RecentAction =>
    ({ tool, summary: "", outcome, at, arguments: { ...ref, ...args } });
