// Deterministic incident scenarios in bucket "sandbox-media". Each batch is created in the past
// with its fault and simulated forward to the sandbox's start, so its state is one the state
// machine really reaches; the same fault then decides which remediation works.
import type { SubmissionParams } from "../api/wire.js";
import { createBatch, pipelineFrom, type PipelineStep } from "./batch-factory.js";
import { Ids } from "./ids.js";
import { GIB, MINUTE, advance, type State } from "./simulation.js";
import type { Batch, Bucket, Collection, DocFault, Namespace } from "./types.js";

export const SCENARIOS = [
  "oom-gpu-tier", "stuck-tier", "duplicate-jobs", "transient-network", "permanent-bad-input",
  "failing-job-multi-extractor", "orphaned-tier", "healthy-completed", "still-running", "massive-failures",
  "oom-needs-more-memory", "mixed-failures", "orphaned-running", "running-unknown-status", "qdrant-write-failed",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const SANDBOX = {
  namespaceId: "ns_5b7c2d9e1f",
  namespaceName: "sandbox",
  bucketId: "bkt_7f3a9c21d4",
  bucketName: "sandbox-media",
} as const;

const params = (extractor: string, gpu: boolean, memoryBytes: number): SubmissionParams => ({
  entrypoint: "python -m engine.pipelines.entrypoint", deployment_mode: "gke", requires_gpu: gpu, num_cpus: gpu ? 4 : 2,
  memory_bytes: memoryBytes, priority: 100, plugin_archives: null, extractor_name: extractor,
});

const s3 = "s3://sandbox-media/raw/{object_id}.mp4";
const FAULTS = {
  reset: { type: "network", message: `Connection reset by peer while fetching ${s3}`, heals: true },
  timeout: { type: "network", message: `Read timed out after 30 s fetching ${s3}`, heals: true },
  unavailable: { type: "network", message: `503 Service Unavailable from ${s3}`, heals: true },
  hevc: { type: "validation", message: "Unsupported codec: video stream is HEVC 10-bit (yuv420p10le)", heals: false },
  title: { type: "validation", message: "Missing required field 'title' in object metadata", heals: false },
  ffprobe: { type: "dependency", message: "ffprobe not found: the extractor image lacks ffmpeg", heals: false },
} satisfies Record<string, DocFault>;

/** Seeds the sandbox namespace and the chosen scenarios' batches; returns their ids. */
export function seedSandbox(state: State, scenarios: readonly ScenarioName[]): Record<ScenarioName, string> {
  const objectIds = Array.from({ length: 48 }, (_, i) => `obj_${String(i + 1).padStart(4, "0")}`);
  const manyObjects = Array.from({ length: 2_500 }, (_, i) => `obj_m${String(i).padStart(5, "0")}`);
  const bucket: Bucket = {
    id: SANDBOX.bucketId, name: SANDBOX.bucketName, objectIds: [...objectIds, ...manyObjects],
    pendingUploads: new Set(["upl_a1b2c3d4e5f6g7h8", "upl_b2c3d4e5f6g7h8i9", "upl_c3d4e5f6g7h8i9j0"]),
  };
  const frames: Collection = {
    id: "col_frames01a2", name: "video-frames", extractor: "video_frame_extractor_v1",
    source: { bucketId: bucket.id }, params: params("video_frame_extractor_v1", false, 4 * GIB),
  };
  const embeddings: Collection = {
    id: "col_embeds03c4", name: "frame-embeddings", extractor: "video_embedding_v2",
    source: { collectionId: frames.id }, params: params("video_embedding_v2", true, 8 * GIB),
  };
  const ns: Namespace = { id: SANDBOX.namespaceId, name: SANDBOX.namespaceName, buckets: [bucket], collections: [frames, embeddings], batches: new Map() };
  state.namespaces.push(ns);

  const start = state.now;
  const runtimeIds = state.ids;
  const both = () => pipelineFrom(ns, frames);
  const tier0 = (...extractors: string[]): PipelineStep[] => [{ collection: frames, extractors, params: { ...frames.params } }];

  /** A batch created `ageMs` before the sandbox starts, simulated up to the start. */
  const run = (name: ScenarioName, ageMs: number, steps: PipelineStep[], setUp: (b: Batch) => void = () => {}, more: { ids?: string[]; docsPerObject?: number; workMs?: number } = {}) => {
    state.ids = Ids.fromName(name); // ids independent of which other scenarios are seeded
    state.now = start - ageMs;
    const batch = createBatch(state, ns, { bucket, objectIds: more.ids ?? objectIds, steps, docsPerObject: more.docsPerObject, workMs: more.workMs });
    setUp(batch);
    for (let t = state.now; t < start; t += 10_000) advance(batch, t);
    advance(batch, start);
    return batch;
  };

  const seeds: Record<ScenarioName, () => Batch> = {
    "healthy-completed": () => run("healthy-completed", 180 * MINUTE, both()),
    "oom-gpu-tier": () => run("oom-gpu-tier", 95 * MINUTE, both(), (b) => {
      b.oomMinMemory = 16 * GIB;
      b.tiers[1]!.jobs[0]!.behaviour = "oom";
    }),
    // 12 of 48 documents hit the network while loading.
    "transient-network": () => run("transient-network", 80 * MINUTE, both(), (b) => {
      b.rule = (tier, i) => (tier === 0 && i % 4 === 1 ? (i % 3 === 0 ? FAULTS.timeout : FAULTS.reset) : undefined);
    }),
    // 8 validation and 2 dependency errors: bad input that no retry fixes.
    "permanent-bad-input": () => run("permanent-bad-input", 70 * MINUTE, both(), (b) => {
      const bad = [2, 7, 11, 16, 20, 25, 31, 38, 40, 45];
      b.rule = (tier, i) => {
        const k = tier === 0 ? bad.indexOf(i) : -1;
        return k < 0 ? undefined : k < 5 ? FAULTS.hevc : k < 8 ? FAULTS.title : FAULTS.ffprobe;
      };
    }),
    "orphaned-tier": () => run("orphaned-tier", 60 * MINUTE, both(), (b) => { b.tiers[1]!.jobs[0]!.behaviour = "lost"; }),
    "failing-job-multi-extractor": () => run("failing-job-multi-extractor", 20 * MINUTE,
      tier0("video_frame_extractor_v1", "audio_transcriber_v1", "ocr_extractor_v1"), (b) => {
        const [frameJob, , ocrJob] = b.tiers[0]!.jobs;
        frameJob!.workMs = 20 * MINUTE + 30_000; // still running when the sandbox starts
        ocrJob!.behaviour = "crashloop";
      }),
    // Tier 1 froze ~25 minutes ago.
    "stuck-tier": () => run("stuck-tier", 26 * MINUTE, both(), (b) => { b.tiers[1]!.jobs[0]!.behaviour = "stuck"; }),
    "duplicate-jobs": () => run("duplicate-jobs", 15 * MINUTE, tier0(frames.extractor, frames.extractor), (b) => {
      for (const job of b.tiers[0]!.jobs) Object.assign(job, { behaviour: "contend", workMs: 60_000 });
    }),
    // About 15 requests from done at the default step.
    "still-running": () => run("still-running", 30_000, both(), undefined, { workMs: 90_000 }),
    // 2,500 videos × 48 frames; 100,000 of the 120,000 frame documents fail.
    "massive-failures": () => run("massive-failures", 240 * MINUTE, tier0(frames.extractor), (b) => {
      b.rule = (_tier, i) => {
        if (i % 6 === 5) return undefined;
        const r = Math.floor(i / 6) % 10;
        return r < 6 ? FAULTS.hevc : r < 8 ? FAULTS.title : r < 9 ? FAULTS.reset : FAULTS.ffprobe;
      };
    }, { ids: manyObjects, docsPerObject: 48 }),
    // As oom-gpu-tier, but the job needs 24 GiB: doubling to 16 GiB OOMs again, 32 GiB passes.
    "oom-needs-more-memory": () => run("oom-needs-more-memory", 90 * MINUTE, both(), (b) => {
      b.oomMinMemory = 24 * GIB;
      b.tiers[1]!.jobs[0]!.behaviour = "oom";
    }),
    // 6 transient failures of three kinds and 4 permanent ones: a transient-only retry fixes 6.
    "mixed-failures": () => run("mixed-failures", 75 * MINUTE, both(), (b) => {
      const transient = [FAULTS.timeout, FAULTS.reset, FAULTS.unavailable];
      const failing = [3, 9, 14, 22, 30, 41];
      const bad = [5, 18, 27, 36];
      b.rule = (tier, i) => (tier !== 0 ? undefined
        : failing.includes(i) ? transient[failing.indexOf(i) % 3]
          : bad.includes(i) ? FAULTS.title : undefined);
    }),
    // Tier 1's Ray job was lost ~44 minutes ago and Mixpeek never noticed: the tier waits forever.
    "orphaned-running": () => run("orphaned-running", 45 * MINUTE, both(), (b) => { b.tiers[1]!.jobs[0]!.behaviour = "orphan"; }),
    // A healthy running batch whose statuses read RUNNING/QUEUED in every variant.
    "running-unknown-status": () => run("running-unknown-status", 30_000, both(), (b) => { b.unknownStatuses = true; }, { workMs: 90_000 }),
    // Tier 1 processed every document, but writing its output to Qdrant timed out; the output is in S3.
    "qdrant-write-failed": () => run("qdrant-write-failed", 50 * MINUTE, both(), (b) => { b.qdrantWriteFails = 1; }),
  };

  const ids = {} as Record<ScenarioName, string>;
  for (const name of scenarios) ids[name] = seeds[name]().id;
  state.ids = runtimeIds;
  state.now = start;
  return ids;
}
