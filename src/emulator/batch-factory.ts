// Making batches: a collection's pipeline (one tier per collection downstream of it), a new
// batch submitted over it with its tiers' Ray jobs, and fresh attempts of a batch's tiers for a
// retry or a resubmission. scenarios.ts seeds its batches here too.
import type { SubmissionParams } from "../api/wire.js";
import type { State } from "./simulation.js";
import type { Batch, Bucket, Collection, Job, Namespace, Status, Tier } from "./types.js";

export interface PipelineStep { collection: Collection; extractors: string[]; params: SubmissionParams }

/** A collection and everything downstream of it, one tier each. */
export function pipelineFrom(ns: Namespace, first: Collection): PipelineStep[] {
  const steps: PipelineStep[] = [];
  for (let c: Collection | undefined = first; c; c = ns.collections.find((d) => "collectionId" in d.source && d.source.collectionId === c!.id)) {
    steps.push({ collection: c, extractors: [c.extractor], params: { ...c.params } });
  }
  return steps;
}

/** Creates and submits a batch: PENDING now, IN_PROGRESS on the next tick; or, `draft`, a DRAFT
 * batch with no task, which submitBatch submits. */
export function createBatch(state: State, ns: Namespace, spec: {
  bucket: Bucket; objectIds: string[]; steps: PipelineStep[]; type?: Batch["type"]; docsPerObject?: number; workMs?: number; draft?: boolean;
  /** The key whose call created it (none for seeded batches). */
  owner?: string;
}): Batch {
  const id = `btch_${state.ids.token(12)}`;
  const first = spec.steps[0]!.collection.source;
  const batch: Batch = {
    id, bucketId: spec.bucket.id, namespaceId: ns.id, type: spec.type ?? "BUCKET", status: "PENDING", objectIds: spec.objectIds,
    docsPerObject: spec.docsPerObject ?? 1, taskId: "", createdAt: state.now, updatedAt: state.now, error: null, failed: [],
    events: [], metadata: {},
    tiers: spec.steps.map((step, num): Tier => ({
      num, collectionIds: [step.collection.id],
      sourceType: num === 0 && "bucketId" in first ? "bucket" : "collection",
      sourceCollectionIds: num > 0 ? [spec.steps[num - 1]!.collection.id] : "collectionId" in first ? [first.collectionId] : null,
      status: "PENDING" as Status, taskId: `task_${state.ids.token(12)}`, params: step.params, attempt: 0, written: 0,
      jobs: step.extractors.map((extractor) => newJob(state, extractor, [step.collection.id], "ok", spec.workMs)),
    })),
  };
  ns.batches.set(id, batch);
  if (spec.draft) batch.status = "DRAFT";
  else submitBatch(state, ns, batch, spec.owner);
  return batch;
}

/** Submits a batch: its processing task is created and it is PENDING. */
export function submitBatch(state: State, ns: Namespace, batch: Batch, owner?: string): void {
  const task = state.addTask({
    ...(owner === undefined ? {} : { owner }),
    type: "api_buckets_batches_process", status: "PENDING", batch, error: null, inputs: [batch.id], outputs: [],
    additional: {
      batch_id: batch.id, bucket_id: batch.bucketId, namespace_id: ns.id, total_tiers: batch.tiers.length,
      collection_ids: batch.tiers.flatMap((t) => t.collectionIds), object_count: batch.objectIds.length, current_tier: 0,
      sample_object_ids: batch.objectIds.slice(0, 5),
    },
  });
  batch.taskId = task.id;
  batch.status = "PENDING";
  batch.updatedAt = state.now;
}

/** Puts tiers from `from` on a fresh attempt (one new Ray job per extractor, their failed
 * documents cleared) and submits the batch again. */
export function resetTiers(state: State, batch: Batch, from: number): void {
  for (const tier of batch.tiers.slice(from)) {
    Object.assign(tier, {
      status: "PENDING", attempt: tier.attempt + 1, timedOut: false, qdrantWriteFailed: false, written: 0, taskId: `task_${state.ids.token(12)}`,
      startedAt: undefined, completedAt: undefined, lastActivity: undefined,
    } satisfies Partial<Tier>);
    const extractors = [...new Map(tier.jobs.map((j) => [j.extractor, j])).values()];
    tier.jobs = extractors.map((job) => newJob(state, job.extractor, job.collectionIds, job.behaviour));
  }
  batch.failed = batch.failed.filter((d) => d.tier < from);
  batch.error = null;
  batch.status = "PENDING";
  batch.updatedAt = state.now;
}

function newJob(state: State, extractor: string, collectionIds: string[], behaviour: Job["behaviour"] = "ok", workMs = 30_000): Job {
  return { extractor, collectionIds, rayJobId: state.ids.rayJob(), status: "PENDING", behaviour, workMs, doneMs: 0, restarts: 0 };
}
