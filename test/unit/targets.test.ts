// Targets of destructive tools, read through a hand-made API: the tier to act on (or a refusal
// that names the tiers there are), what counts as a running job, and the fingerprint a
// confirmation token is bound to.
import { describe, expect, it } from "vitest";
import type { Api } from "../../src/api/mixpeek-api.js";
import type { Batch, ExtractorJob, TierTask } from "../../src/api/wire.js";
import { activeJobs, describeJob, loadTier, readBack, tierFingerprint, unknownStatusNote } from "../../src/domain/targets.js";
import { ToolRefusal } from "../../src/mcp/errors.js";

const signal = new AbortController().signal;
const ref = { bucket: "media", batch_id: "btch_t", tier_num: 1 };
const apiReturning = (answer: () => Batch) =>
  ({ call: async () => ({ data: answer(), status: 200, requestId: undefined, serverTime: 0 }) }) as Api<"getBatch">;
const job = (ray_job_id: string | null, status: string | null, extractor_type: string | null = "frames"): ExtractorJob => ({ ray_job_id, status, extractor_type });

describe("loadTier and readBack", () => {
  const batch: Batch = { batch_id: "btch_t", tier_tasks: [{ tier_num: 0, status: "COMPLETED" }, { tier_num: 1, status: "IN_PROGRESS" }] };

  it("finds the tier", async () => {
    expect(await loadTier(apiReturning(() => batch), ref, signal)).toEqual({ batch, tier: batch.tier_tasks![1] });
    expect(await readBack(apiReturning(() => batch), ref, signal)).toEqual({ batch, tier: batch.tier_tasks![1] });
  });

  it("refuses a tier the batch does not have, naming the ones it has", async () => {
    const missing = loadTier(apiReturning(() => batch), { ...ref, tier_num: 7 }, signal);
    await expect(missing).rejects.toBeInstanceOf(ToolRefusal);
    await expect(missing).rejects.toThrow("batch btch_t has no tier 7 (tiers: 0, 1). Nothing was changed.");
    await expect(loadTier(apiReturning(() => ({ batch_id: "btch_t" })), ref, signal)).rejects.toThrow("batch btch_t has no tier 1 (tiers: none). Nothing was changed.");
  });

  it("readBack gives undefined when the tier cannot be read", async () => {
    expect(await readBack(apiReturning(() => { throw new Error("down"); }), ref, signal)).toBeUndefined();
    expect(await readBack(apiReturning(() => ({ batch_id: "btch_t" })), ref, signal)).toBeUndefined();
  });
});

describe("activeJobs and describeJob", () => {
  it("counts running jobs and jobs whose status is unknown, not lost or finished ones", () => {
    const tier: TierTask = { tier_num: 0, extractor_jobs: [
      job("a", "IN_PROGRESS"), job("b", "PENDING"), job("c", "RUNNING"), job("d", null), job("e", "UNKNOWN"), job("f", "COMPLETED"), job("g", "FAILED"), job("h", "CANCELED"),
    ] };
    expect(activeJobs(tier).map((j) => j.ray_job_id)).toEqual(["a", "b", "c", "d"]);
    expect(activeJobs({ tier_num: 0 })).toEqual([]);
  });

  it("describes a job by id, extractor and status, with defaults", () => {
    expect(describeJob(job("raysubmit_1", "IN_PROGRESS", "ocr"))).toBe("raysubmit_1 (ocr, IN_PROGRESS)");
    expect(describeJob(job(null, null, null))).toBe("job (extractor, UNKNOWN)");
  });
});

describe("unknownStatusNote", () => {
  it("says when a status is not known, and nothing otherwise", () => {
    expect(unknownStatusNote("Tier 1", "RUNNING")).toEqual(['Tier 1 reports status "RUNNING", which this server does not know; the API decides whether it can be stopped']);
    expect(unknownStatusNote("Job r", null)).toEqual(['Job r reports status "(none)", which this server does not know; the API decides whether it can be stopped']);
    expect(unknownStatusNote("Tier 1", "IN_PROGRESS")).toEqual([]);
    expect(unknownStatusNote("Tier 1", "FAILED")).toEqual([]);
  });
});

describe("tierFingerprint", () => {
  const tier = (status: string, jobs: ExtractorJob[]): TierTask => ({ tier_num: 0, status, extractor_jobs: jobs });

  it("is the tier's status and its running jobs, in any order", () => {
    expect(tierFingerprint(tier("IN_PROGRESS", [job("b", "IN_PROGRESS"), job("a", "PENDING"), job("c", "COMPLETED")]))).toBe("IN_PROGRESS|a,b");
    expect(tierFingerprint(tier("IN_PROGRESS", [job("a", "PENDING"), job("b", "IN_PROGRESS")])))
      .toBe(tierFingerprint(tier("IN_PROGRESS", [job("b", "IN_PROGRESS"), job("a", "PENDING")])));
    expect(tierFingerprint({ tier_num: 0 })).toBe("undefined|");
  });

  it("changes when the status or the set of running jobs changes", () => {
    const base = tierFingerprint(tier("IN_PROGRESS", [job("a", "IN_PROGRESS"), job("b", "IN_PROGRESS")]));
    expect(tierFingerprint(tier("FAILED", [job("a", "IN_PROGRESS"), job("b", "IN_PROGRESS")]))).not.toBe(base);
    expect(tierFingerprint(tier("IN_PROGRESS", [job("a", "IN_PROGRESS"), job("b", "COMPLETED")]))).not.toBe(base);
    expect(tierFingerprint(tier("IN_PROGRESS", [job("a", "IN_PROGRESS"), job("c", "IN_PROGRESS")]))).not.toBe(base);
    // A finished job changing its status changes nothing that can be stopped.
    expect(tierFingerprint(tier("IN_PROGRESS", [job("a", "IN_PROGRESS"), job("b", "IN_PROGRESS"), job("z", "FAILED")]))).toBe(base);
  });
});
