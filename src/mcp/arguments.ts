// Tool arguments shared by the tools, so each constraint is written once.
import { z } from "zod";
import { TASK_STATUSES } from "../api/wire.js";

/** An id that travels as one URL path segment: no "/", "?", "#", whitespace or control
 * characters, and not "." or ".." (URL parsers collapse those even when percent-encoded). */
const ID_PATTERN = /^(?!\.\.?$)[^/?#\s\x00-\x1f\x7f]+$/;
/** Checked as a refinement, which the published JSON Schema leaves out: every client pays for the
 * tool list in context, and the server refuses a bad id whatever the client checked. */
export const idString = (what: string, description?: string) => {
  const id = z.string().refine((value) => value.length <= 200 && ID_PATTERN.test(value),
    `${what} must be one id of at most 200 characters, without /, ?, #, spaces or control characters`);
  return description ? id.describe(description) : id;
};

export const bucketArg = idString("bucket", "Bucket id or name");
export const batchIdArg = idString("batch_id");
export const tierNumArg = z.number().int().min(0).max(1000).describe("From 0");
export const rayJobIdArg = idString("ray_job_id");
export const collectionArg = idString("collection", "Collection id or name");
export const taskIdArg = idString("task_id");
export const confirmTokenArg = z.string().min(1).max(2000).optional()
  .describe("From a confirmation_required reply, to apply");

/** A filter on the API's task status (batches and tasks share it). */
export const statusArg = z.enum(TASK_STATUSES).optional();

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
export const offsetArg = z.number().int().min(0).max(1_000_000).optional();

/** Objects of a bucket, for a batch (the API sets no maximum; a tool call carries at most 1,000). */
export const objectIdsArg = z.array(idString("object id")).min(1).max(1000);
export const skipValidationArg = z.boolean().optional()
  .describe("Skip the object-existence check (large batches); missing objects then fail at submit");
