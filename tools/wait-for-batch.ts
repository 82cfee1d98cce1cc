import { z } from "zod";
import { diagnoseStep, waitStep } from "../src/domain/next-steps.js";
import { nextStepsForStatus } from "../src/domain/recommend.js";
import { isTerminal, unknownStatus } from "../src/domain/status.js";
import { BatchSummaryView, batchSummary } from "../src/domain/views.js";
import { batchRef, tierNumArg } from "../src/mcp/arguments.js";
import { recommendations } from "../src/mcp/results.js";
import { defineTool } from "../src/mcp/tool.js";
import { sleep } from "../src/util/sleep.js";
import { ToolRefusal } from "../src/mcp/errors.js";

/** Many clients give up on a tool call after 60 s; stay well under that. */
const DEFAULT_TIMEOUT_S = 25;
const MAX_TIMEOUT_S = 50;

export const name = "wait_for_batch";

export const input = {
  ...batchRef,
  timeout_seconds: z.number().int().min(1).max(MAX_TIMEOUT_S).optional().describe(`Seconds to wait, 1–${MAX_TIMEOUT_S}`),
  tier_num: tierNumArg.optional().describe("Wait only for this tier"),
};

export default defineTool({
  name,
  title: "Wait for batch",
  description: `Poll a batch (or one tier) until it reaches a terminal status or timeout_seconds (default ${DEFAULT_TIMEOUT_S}, max ${MAX_TIMEOUT_S}), reporting progress. Call again if still running.`,
  input,
  output: {
    batch_id: z.string(),
    status: z.string(),
    tier_status: z.string().nullable(),
    finished: z.boolean(),
    timed_out: z.boolean(),
    waited_seconds: z.number(),
    polls: z.number(),
    batch: BatchSummaryView,
    tiers: z.array(z.object({ tier_num: z.number(), status: z.string(), documents_written: z.number().nullable() })),
    recommendations,
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toolset: "triage",
  operations: ["getBatch"],
  async run({ bucket, batch_id, timeout_seconds = DEFAULT_TIMEOUT_S, tier_num }, { api, config, signal, progress }) {
    const ref = { bucket, batch_id };
    const started = Date.now();
    const deadline = started + timeout_seconds * 1000;
    let delay = config.pollIntervalMs;
    for (let polls = 1; ; polls++) {
      const { data } = await api.call("getBatch", { params: ref }, signal);
      const tiers = data.tier_tasks ?? [];
      const tier = tier_num === undefined ? undefined : tiers.find((t) => t.tier_num === tier_num);
      if (tier_num !== undefined && !tier) throw new ToolRefusal(`batch ${batch_id} has no tier ${tier_num} (tiers: ${tiers.map((t) => t.tier_num).join(", ") || "none"}).`);
      const watched = tier_num === undefined ? data.status : tier?.status;
      const done = tiers.filter((t) => t.status === "COMPLETED").length;
      await progress(done, tiers.length || undefined, `${data.status}: ${done}/${tiers.length} tiers completed`);
      // A status we do not know is never read as finished: polling goes on until the timeout.
      const finished = isTerminal(watched);
      const remaining = deadline - Date.now();
      if (finished || remaining <= 0) {
        const status = data.status ?? "UNKNOWN";
        return {
          batch_id,
          status,
          tier_status: tier?.status ?? null,
          finished,
          timed_out: !finished,
          waited_seconds: Math.round((Date.now() - started) / 100) / 10,
          polls,
          batch: batchSummary(data),
          tiers: tiers.map((t) => ({ tier_num: t.tier_num, status: t.status ?? "UNKNOWN", documents_written: t.documents_written ?? null })),
          ...(unknownStatus(watched) ? { notes: [`Status ${JSON.stringify(watched)} is not one this server knows, so it is never read as finished; get_batch or diagnose_batch show the details.`] } : {}),
          recommendations: finished
            ? nextStepsForStatus(status, ref)
            : [
              waitStep(ref, `Still ${status} after ${timeout_seconds} s; call wait_for_batch again.`),
              ...(unknownStatus(watched) ? [diagnoseStep(ref, "diagnose_batch looks at the tiers and jobs behind a status this server does not know.")] : []),
            ],
        };
      }
      await sleep(Math.min(delay, remaining), signal);
      delay = Math.min(delay * 1.5, config.pollIntervalMs * 8);
    }
  },
});
