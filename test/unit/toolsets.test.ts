// Which tools a configuration serves, what is wrong with a selection, and how a step naming a tool
// that is not served reads.
import { describe, expect, it } from "vitest";
import { onlyEnabledSteps } from "../../src/mcp/pipeline.js";
import { DEFAULT_TOOLSETS, TOOLSETS, selectTools, selectionProblems } from "../../src/mcp/toolsets.js";
import { TOOLS } from "../../tools/index.js";

const base: Parameters<typeof selectTools>[1] = { toolsets: DEFAULT_TOOLSETS, readOnly: false, disableDestructive: false, tools: undefined };
const names = (config: Partial<typeof base>) => selectTools(TOOLS, { ...base, ...config }).map((t) => t.name);

describe("selectTools", () => {
  it("serves the default toolsets, or all of them, in catalogue order", () => {
    expect(names({})).toEqual(TOOLS.filter((t) => t.toolset !== "admin").map((t) => t.name));
    expect(names({ toolsets: TOOLSETS })).toEqual(TOOLS.map((t) => t.name));
    expect(names({ toolsets: ["admin"] })).toEqual(["get_batch_diagnostics", "list_tasks", "update_batch", "delete_batch", "kill_task"]);
  });

  it("applies --read-only, --disable-destructive and --tools on top", () => {
    expect(names({ toolsets: ["admin"], readOnly: true })).toEqual(["get_batch_diagnostics", "list_tasks"]);
    expect(names({ toolsets: ["admin"], disableDestructive: true })).toEqual(["get_batch_diagnostics", "list_tasks", "update_batch"]);
    expect(names({ tools: ["get_batch", "cancel_batch"] })).toEqual(["get_batch", "cancel_batch"]);
  });
});

describe("selectionProblems", () => {
  it("has none for a selection that serves something", () => {
    expect(selectionProblems(TOOLS, base)).toEqual([]);
    expect(selectionProblems(TOOLS, { ...base, tools: ["get_batch"] })).toEqual([]);
  });

  it("names tools outside the enabled toolsets, and the --toolsets that would serve them", () => {
    expect(selectionProblems(TOOLS, { ...base, tools: ["get_batch", "delete_batch"] })).toEqual([
      "--tools names delete_batch (toolset admin) outside the enabled toolsets (triage,ingest): add --toolsets triage,ingest,admin.",
    ]);
  });

  it("names the flags that leave nothing to serve", () => {
    expect(selectionProblems(TOOLS, { ...base, readOnly: true, tools: ["cancel_batch"] })).toEqual([
      "--toolsets triage,ingest with --read-only with --tools cancel_batch leave no tool to serve: drop one of them, or name tools they allow (mixpeek-batch-mcp list-tools shows each tool's toolset and kind).",
    ]);
  });
});

describe("onlyEnabledSteps", () => {
  const ref = { bucket: "media", batch_id: "btch_1" };
  const result = {
    outcome: "x",
    recommendations: [
      { title: "Retry tier 1", rationale: "It ran out of memory.", risk: "low", tool: "retry_tier", arguments: { ...ref, tier_num: 1 } },
      { title: "Watch it", rationale: "Then wait.", risk: "low", tool: "wait_for_batch", arguments: ref },
      { title: "Fix the data (human action)", rationale: "Bad input.", risk: "low" },
    ],
  };

  it("turns a step naming a tool that is not served into the same step in words, with its arguments", () => {
    const out = onlyEnabledSteps(result, new Set(["wait_for_batch"]));
    expect(out["recommendations"]).toEqual([
      {
        title: "Retry tier 1 (human action)", risk: "low",
        rationale: `It ran out of memory. retry_tier is not enabled on this server (--toolsets, --tools, --read-only and --disable-destructive choose the tools): run it where it is, with {"bucket":"media","batch_id":"btch_1","tier_num":1}.`,
      },
      result.recommendations[1],
      result.recommendations[2],
    ]);
    expect(out["outcome"]).toBe("x");
  });

  it("leaves a result alone when every tool it names is served", () => {
    expect(onlyEnabledSteps(result, new Set(["retry_tier", "wait_for_batch"]))).toBe(result);
    expect(onlyEnabledSteps({ outcome: "y" }, new Set())).toEqual({ outcome: "y" });
  });
});
