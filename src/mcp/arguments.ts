// Tool arguments shared by the tools, so each constraint is written once.
import { z } from "zod";

/** An id that travels as one URL path segment: no "/", "?", "#", whitespace or control
 * characters, and not "." or ".." (URL parsers collapse those even when percent-encoded). */
const ID_PATTERN = /^(?!\.\.?$)[^/?#\s\x00-\x1f\x7f]+$/;
export const idString = (what: string, example: string) =>
  z.string().max(200).regex(ID_PATTERN, `${what} must be one id without /, ?, #, spaces or control characters`)
    .describe(`${what}, e.g. ${example}`);

export const bucketArg = idString("Bucket id or name", '"sandbox-media"');
export const batchIdArg = idString("Batch id", '"btch_k3j4h5g6f7d8"');
export const tierNumArg = z.number().int().min(0).max(1000).describe("Tier number from 0, e.g. 1");
export const rayJobIdArg = idString("Ray job id", '"raysubmit_9pDAyZbd5MN2"');
export const collectionArg = idString("Collection id or name", '"col_a1b2c3d4e5"');
export const confirmTokenArg = z.string().min(1).max(2000).optional()
  .describe("From a confirmation_required reply, to apply");

export const batchRef = { bucket: bucketArg, batch_id: batchIdArg };
export const tierRef = { ...batchRef, tier_num: tierNumArg };

/** Free-form JSON from the agent (filters, metadata): bounded in depth and size, so a pathological
 * value is a clear validation error and never a stack overflow further on. */
export const boundedObject = (maxDepth: number, maxChars: number) =>
  z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    // Depth first, without recursion: only a shallow value is safe to serialise for its size.
    if (depthOf(value) > maxDepth) return ctx.addIssue({ code: "custom", message: `must nest at most ${maxDepth} levels deep` });
    const size = JSON.stringify(value).length;
    if (size > maxChars) ctx.addIssue({ code: "custom", message: `must be at most ${maxChars} characters of JSON (got ${size})` });
  });

/** Nesting depth of a JSON value, without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Optional pagination of a list the API returns in full or in pages. */
export const limitArg = (max: number, fallback: number) =>
  z.number().int().min(1).max(max).optional().describe(`Page size, 1–${max} (default ${fallback})`);
export const offsetArg = z.number().int().min(0).max(1_000_000).optional().describe("Items to skip (default 0)");

/** Objects of a bucket, for a batch (the API sets no maximum; a tool call carries at most 1,000). */
export const objectIdsArg = z.array(idString("Object id", '"obj_0001"')).min(1).max(1000)
  .describe("Object ids of the bucket, 1–1000");
export const skipValidationArg = z.boolean().optional()
  .describe("Skip the object-existence check (large batches); missing objects then fail at submit");
