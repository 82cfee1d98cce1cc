// Deterministic incident scenarios in bucket "sandbox-media". Each batch is created and then
// simulated forward with its fault, so its state is one the state machine really reaches.
import { GIB, advance, documentId, type Batch, type DocFault, type Namespace } from "./world.js";
import { createBatch, defaultParams, type PipelineStep, type State } from "./operations.js";

export const SCENARIOS = [
  "oom-gpu-tier", "stuck-tier", "duplicate-jobs", "transient-network", "permanent-bad-input",
  "failing-job-multi-extractor", "orphaned-tier", "healthy-completed", "still-running", "massive-failures",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const SANDBOX = {
  namespaceId: "ns_5b7c2d9e1f",
  namespaceName: "sandbox",
  bucketId: "bkt_7f3a9c21d4",
  bucketName: "sandbox-media",
} as const;

const MINUTE = 60_000;

export function seedSandbox(state: State, scenarios: readonly ScenarioName[]): Record<ScenarioName, string> {
  const ns: Namespace = { id: SANDBOX.namespaceId, name: SANDBOX.namespaceName, buckets: [], collections: [], batches: new Map() };
  state.namespaces.push(ns);
  const objectIds = Array.from({ length: 48 }, (_, i) => `obj_${String(i + 1).padStart(4, "0")}`);
  const bucket = {
    id: SANDBOX.bucketId, name: SANDBOX.bucketName, objectIds,
    pendingUploads: new Set(["upl_a1b2c3d4e5f6g7h8", "upl_b2c3d4e5f6g7h8i9", "upl_c3d4e5f6g7h8i9j0"]),
  };
  ns.buckets.push(bucket);
  const frames = { id: "col_frames01a2", name: "video-frames", tier: 0, sourceBucketId: bucket.id, sourceCollectionId: null, extractor: "video_frame_extractor_v1" };
  const embeddings = { id: "col_embeds03c4", name: "frame-embeddings", tier: 1, sourceBucketId: null, sourceCollectionId: frames.id, extractor: "video_embedding_v2" };
  ns.collections.push(frames, embeddings);

  const cpu = (extractors = [frames.extractor]): PipelineStep => ({ collection: frames, extractors, params: defaultParams(extractors[0]!, false) });
  const gpu = (memory = 8 * GIB): PipelineStep => ({ collection: embeddings, extractors: [embeddings.extractor], params: defaultParams(embeddings.extractor, true, memory) });
  const start = state.now;

  /** Creates a batch `ageMs` ago and runs the simulation up to now. */
  const run = (ageMs: number, steps: PipelineStep[], setUp: (b: Batch) => void, ids = objectIds, workMs = 30_000): Batch => {
    state.now = start - ageMs;
    const batch = createBatch(state, ns, bucket, ids, steps, workMs);
    setUp(batch);
    simulate(batch, start - ageMs, start);
    return batch;
  };
  const faults = (batch: Batch, tier: number, count: number, fault: (i: number) => DocFault) => {
    batch.faultTier = tier;
    for (let i = 0; i < count; i++) batch.docFaults.set(documentId(batch, tier, i * 3), fault(i));
  };

  const seeds: Record<ScenarioName, () => Batch> = {
    "healthy-completed": () => run(180 * MINUTE, [cpu(), gpu(16 * GIB)], () => {}),
    "oom-gpu-tier": () => run(95 * MINUTE, [cpu(), gpu()], (b) => {
      b.oomMinMemory = 16 * GIB;
      b.tiers[1]!.jobs[0]!.behaviour = "oom";
    }),
    "transient-network": () => run(80 * MINUTE, [cpu(), gpu(16 * GIB)], (b) => faults(b, 0, 12, (i) => ({
      type: "network", heals: true,
      message: i % 3 === 2
        ? `Read timed out after 30s fetching s3://sandbox-media/raw/obj_${String(i * 3 + 1).padStart(4, "0")}.mp4`
        : `Connection reset by peer while fetching s3://sandbox-media/raw/obj_${String(i * 3 + 1).padStart(4, "0")}.mp4`,
    }))),
    "permanent-bad-input": () => run(70 * MINUTE, [cpu(), gpu(16 * GIB)], (b) => faults(b, 0, 10, (i) => (i < 5
      ? { type: "validation", heals: false, message: "Unsupported codec: video stream is HEVC 10-bit (yuv420p10le)" }
      : i < 8
        ? { type: "validation", heals: false, message: "Missing required field 'title' in object metadata" }
        : { type: "dependency", heals: false, message: "ffprobe not found: install ffmpeg in the extractor image" }))),
    "orphaned-tier": () => run(60 * MINUTE, [cpu(), gpu(16 * GIB)], () => {}),
    "failing-job-multi-extractor": () => run(20 * MINUTE, [cpu(["video_frame_extractor_v1", "audio_transcriber_v1", "ocr_extractor_v1"])], (b) => {
      b.tiers[0]!.jobs[2]!.behaviour = "crashloop";
      b.tiers[0]!.jobs[0]!.workMs = 20 * MINUTE + 60_000; // still running when the sandbox starts
    }),
    "stuck-tier": () => run(40 * MINUTE, [cpu(), gpu(16 * GIB)], (b) => { b.tiers[1]!.jobs[0]!.behaviour = "stuck"; }),
    "duplicate-jobs": () => run(15 * MINUTE, [cpu([frames.extractor, frames.extractor])], (b) => {
      for (const job of b.tiers[0]!.jobs) { job.behaviour = "contend"; job.workMs = 60_000; }
    }),
    "still-running": () => run(30_000, [cpu(), gpu(16 * GIB)], () => {}, objectIds, 120_000),
    "massive-failures": () => {
      const many = Array.from({ length: 100_000 }, (_, i) => `obj_m${String(i).padStart(6, "0")}`);
      return run(240 * MINUTE, [cpu()], (b) => {
        b.faultTier = 0;
        many.forEach((objectId, i) => b.docFaults.set(documentId(b, 0, i), massiveFault(i, objectId)));
      }, many);
    },
  };

  const ids = {} as Record<ScenarioName, string>;
  for (const name of scenarios) ids[name] = seeds[name]().id;
  // The orphaned batch loses tier 1's Ray job mid-run (head node restart), which fails the tier.
  const orphan = ns.batches.get(ids["orphaned-tier"] ?? "");
  if (orphan) loseJob(orphan, start);
  state.now = start;
  return ids;
}

function simulate(batch: Batch, from: number, to: number): void {
  for (let t = from; t < to; t += 10_000) advance(batch, t);
  advance(batch, to);
}

/** Makes tier 1's job vanish: the tier was running, then Ray forgot it. */
function loseJob(batch: Batch, now: number): void {
  const tier = batch.tiers[1]!;
  batch.status = "IN_PROGRESS";
  batch.error = null;
  tier.status = "IN_PROGRESS";
  tier.completedAt = undefined;
  tier.written = 0;
  batch.failed = [];
  const job = tier.jobs[0]!;
  job.status = "UNKNOWN";
  job.completedAt = now - 40 * MINUTE;
  job.error = `Ray job ${job.rayJobId} not found on the cluster (head node restarted); job lost`;
  tier.lastActivity = now - 41 * MINUTE;
  advance(batch, now - 40 * MINUTE);
}

function massiveFault(i: number, objectId: string): DocFault {
  const r = i % 100;
  if (r < 70) return { type: "validation", heals: false, message: "Unsupported codec: video stream is HEVC 10-bit (yuv420p10le)" };
  if (r < 90) return { type: "validation", heals: false, message: "Missing required field 'title' in object metadata" };
  if (r < 97) return { type: "network", heals: true, message: `Connection reset by peer while fetching s3://sandbox-media/raw/${objectId}.mp4` };
  return { type: "dependency", heals: false, message: "ffprobe not found: install ffmpeg in the extractor image" };
}
