// The triage matrix: every sandbox scenario × every emulator variant (each a different plausible
// reading of the API's undocumented shapes and behaviours) × both ways agents work:
//   - "diagnose-only": calls diagnose_batch, then its first recommendation that names a tool, again and again;
//   - "follow-latest": follows the first tool-naming recommendation of the latest result, and calls
//     diagnose_batch only when a result has none.
// Confirmations are answered yes. A fixable scenario must be fixed within 6 tool calls (every
// mutating call among the first 6) and then reach COMPLETED with read-only calls only; a scenario
// with permanent errors must end on a human action without a blind retry; a healthy or running
// batch must never see a mutating call. Every recommendation met at every step must validate
// against its tool's input schema and appear in the text content with its tool and arguments.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { SCENARIOS, VARIANT_NAMES, type ScenarioName } from "../../src/emulator/index.js";
import type { Recommendation } from "../../src/mcp/results.js";
import { expectActionable, expectInText } from "../actionable.js";
import { requestsFor, startHarness, type Harness } from "../harness.js";

const MAX_FIX_CALLS = 6;
/** Enough for the fix plus the reads and waits that follow it. */
const MAX_CALLS = 14;
const PERMANENT: ScenarioName[] = ["permanent-bad-input", "massive-failures", "mixed-failures"];
const NO_ACTION: ScenarioName[] = ["healthy-completed", "still-running", "running-unknown-status"];
const STYLES = ["diagnose-only", "follow-latest"] as const;
type Style = (typeof STYLES)[number];

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

interface Call { tool: string; readOnly: boolean; outcome: string }
interface Run {
  calls: Call[];
  final: string;
  stoppedWith?: Recommendation | undefined;
  /** Every tool any result recommended, and whether it only reads. */
  recommended: Map<string, boolean>;
}

async function runAgent(scenario: ScenarioName, variant: string, style: Style): Promise<Run> {
  h = await startHarness({
    emulator: { scenarios: [scenario], variant: variant as never },
    config: { confirm: "elicit" }, elicit: () => ({ action: "accept", content: { confirm: true } }),
  });
  const { tools } = await h.client.listTools();
  const args = { bucket: h.bucket, batch_id: h.batches[scenario] };
  const status = async () => (await h!.runtime.api.call("getBatch", { params: args })).data.status ?? "UNKNOWN";
  const calls: Call[] = [];
  const recommended = new Map<string, boolean>();
  let latest: Recommendation[] = [];
  let lastTool = "";
  while (calls.length < MAX_CALLS) {
    if (calls.length && (await status()) === "COMPLETED") break;
    const fromLatest = latest.find((r) => r.tool);
    let next: { tool: string; arguments: Record<string, unknown> } | undefined;
    if (style === "diagnose-only") next = lastTool === "diagnose_batch" ? fromLatest && { tool: fromLatest.tool!, arguments: fromLatest.arguments! } : { tool: "diagnose_batch", arguments: args };
    else next = fromLatest ? { tool: fromLatest.tool!, arguments: fromLatest.arguments! } : lastTool === "diagnose_batch" ? undefined : { tool: "diagnose_batch", arguments: args };
    if (!next) return { calls, final: await status(), stoppedWith: latest[0], recommended };
    const result = await h.call(next.tool, next.arguments);
    const where = `${scenario}/${variant}/${style} step ${calls.length + 1} ${next.tool}`;
    expect(result.isError, `${where}: ${JSON.stringify(result.content)}`).toBeFalsy();
    const content = result.structuredContent!;
    latest = content.recommendations ?? [];
    expectActionable(tools, latest, where);
    expectInText(result, where);
    for (const rec of latest) if (rec.tool) recommended.set(rec.tool, tools.find((t) => t.name === rec.tool)?.annotations?.readOnlyHint === true);
    const tool = tools.find((t) => t.name === next.tool)!;
    calls.push({ tool: next.tool, readOnly: tool.annotations?.readOnlyHint === true, outcome: String(content.outcome ?? "") });
    lastTool = next.tool;
  }
  return { calls, final: await status(), recommended };
}

const fixCalls = (run: Run) => run.calls.findLastIndex((c) => !c.readOnly) + 1;
const path = (run: Run) => run.calls.map((c) => c.tool + (c.outcome ? `(${c.outcome})` : "")).join(" → ");
const rows: string[] = [];

describe.each(VARIANT_NAMES)("variant %s", (variant) => {
  describe.each(STYLES)("%s agent", (style) => {
    it.each(SCENARIOS.filter((s) => !PERMANENT.includes(s) && !NO_ACTION.includes(s)))("fixes %s within 6 calls, then only reads until COMPLETED", async (scenario) => {
      const run = await runAgent(scenario, variant, style);
      rows.push(`| ${scenario} | ${variant} | ${style} | ${fixCalls(run)} | ${run.calls.length} | ${run.final} | ${path(run)} |`);
      expect(run.final, path(run)).toBe("COMPLETED");
      expect(fixCalls(run), path(run)).toBeGreaterThan(0);
      expect(fixCalls(run), path(run)).toBeLessThanOrEqual(MAX_FIX_CALLS);
    });

    it.each(PERMANENT)("stops %s on a human action, with no retry_mode \"all\"", async (scenario) => {
      const run = await runAgent(scenario, variant, style);
      rows.push(`| ${scenario} | ${variant} | ${style} | ${fixCalls(run)} | ${run.calls.length} | ${run.final}, human action | ${path(run)} |`);
      expect(run.stoppedWith?.title, path(run)).toMatch(/human action/);
      expect(run.stoppedWith?.tool).toBeUndefined();
      expect(run.final).toBe("COMPLETED_WITH_ERRORS");
      expect(fixCalls(run), path(run)).toBeLessThanOrEqual(MAX_FIX_CALLS);
      const retries = requestsFor(h!.emulator, "retryDocuments");
      expect(retries.every((r) => (r.body as { retry_mode?: string }).retry_mode === "transient_only"), path(run)).toBe(true);
      if (scenario === "mixed-failures") {
        // The transient failures were retried first and passed; only the permanent ones remain.
        expect(retries, path(run)).toHaveLength(1);
        const left = await h!.runtime.api.call("listFailedDocuments", { params: { bucket: h!.bucket, batch_id: h!.batches[scenario] }, query: { limit: 100 } });
        expect(left.data.items?.map((d) => d.error_message)).toEqual(Array(4).fill(expect.stringMatching(/Missing required field 'title'/)));
      }
    });

    it.each(NO_ACTION)("never changes %s and reaches COMPLETED", async (scenario) => {
      const run = await runAgent(scenario, variant, style);
      rows.push(`| ${scenario} | ${variant} | ${style} | 0 | ${run.calls.length} | ${run.final} | ${path(run)} |`);
      expect(run.calls.every((c) => c.readOnly), path(run)).toBe(true);
      expect([...run.recommended].filter(([, readOnly]) => !readOnly).map(([tool]) => tool), path(run)).toEqual([]);
      expect(run.final).toBe("COMPLETED");
      const writes = h!.emulator.requests.filter((r) => r.method !== "GET" && r.operation !== "listBatches");
      expect(writes, path(run)).toEqual([]);
    });
  });
});

afterAll(() => {
  // The README's matrix table is made from this output.
  console.log(`triage matrix (fix = calls up to the last mutating one):\n| scenario | variant | agent | fix | calls | final | path |\n|---|---|---|---|---|---|---|\n${rows.sort().join("\n")}`);
});
