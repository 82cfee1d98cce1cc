// What a handler receives and answers, and the lookups the handlers use: the bucket or
// collection (by id or name), batch or tier a request names, or a 404 for an unknown one.
import { notFound } from "./errors.js";
import type { State } from "./simulation.js";
import type { Batch, Bucket, Collection, Namespace, Task, Tier } from "./types.js";
import type { Variant } from "./variants.js";

export interface Request {
  state: State;
  ns: Namespace;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Already validated against the operation's request schema (validate.ts). */
  body: Record<string, unknown>;
  /** The caller's API key (the bearer token). */
  key: string;
  /** For the behaviour axes (stuck detection, a crash-looping job's status); the shape axes
   * are applied to the reply afterwards (variants.ts). */
  variant: Variant;
}
export interface Reply { status: number; body: unknown }
export type Handler = (req: Request) => Reply;

export const ok = (body: unknown): Reply => ({ status: 200, body });

/** A task the caller may see: its own, or a seeded one. */
export function visibleTask(req: Request, id: string): Task | undefined {
  const task = req.state.tasks.get(id);
  return task && (task.owner === undefined || task.owner === req.key) ? task : undefined;
}

export function findBucket(ns: Namespace, key: string): Bucket {
  const bucket = ns.buckets.find((b) => b.id === key || b.name === key);
  if (!bucket) throw notFound("bucket", key);
  return bucket;
}

export function findCollection(ns: Namespace, key: string): Collection {
  const collection = ns.collections.find((c) => c.id === key || c.name === key);
  if (!collection) throw notFound("collection", key);
  return collection;
}

export function findBatch(req: Request): Batch {
  const bucket = findBucket(req.ns, req.params["bucket"]!);
  const batch = req.ns.batches.get(req.params["batch_id"]!);
  if (!batch || batch.bucketId !== bucket.id) throw notFound("batch", req.params["batch_id"]!);
  return batch;
}

export function findTier(batch: Batch, num: string | number): Tier {
  const tier = batch.tiers[Number(num)];
  if (!tier) throw notFound("tier", `${batch.id}/tiers/${num}`);
  return tier;
}
