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

/** Optional pagination of a list the API returns in full or in pages. */
export const limitArg = (max: number, fallback: number) =>
  z.number().int().min(1).max(max).optional().describe(`Page size, 1–${max} (default ${fallback})`);
export const offsetArg = z.number().int().min(0).max(1_000_000).optional().describe("Items to skip (default 0)");
