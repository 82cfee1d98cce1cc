// The path of one tool call, as a list of stages around the tool's own run: each stage is a
// small function that may act before and after the rest of the path (`next`). The server puts
// them in order (server.ts); a new policy (a budget, a shared store) is one more stage.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { AuditEntry } from "../safety/audit.js";
import { toReply } from "./render.js";
import type { Recommendation } from "./results.js";
import type { ToolContext, ToolDefinition } from "./tool.js";

export interface Call {
  tool: ToolDefinition;
  /** The arguments, without confirm_token. */
  args: Record<string, unknown>;
  confirmToken: string | undefined;
  ctx: ToolContext;
  /** How a destructive call was confirmed; stages that confirm set it, the audit records it. */
  confirmed: AuditEntry["confirmed"];
  /** The tools this server serves: a recommendation may name only these. */
  enabled: ReadonlySet<string>;
}

export interface Outcome {
  reply: CallToolResult;
  /** The call may have changed something, so an identical repeat must not be sent again. */
  mayHaveApplied: boolean;
  /** Answered from an identical recent call; nothing was sent. */
  deduplicated: boolean;
  /** Request ids of the API calls made for this tool call. */
  requestIds: string[];
}

export type Stage = (call: Call, next: () => Promise<Outcome>) => Promise<Outcome>;

/** One function that runs `stages` in order around `core`. */
export function pipeline(stages: readonly Stage[], core: (call: Call) => Promise<Outcome>): (call: Call) => Promise<Outcome> {
  return (call) => {
    const at = (i: number): Promise<Outcome> => (i < stages.length ? stages[i]!(call, () => at(i + 1)) : core(call));
    return at(0);
  };
}

export const isMutating = (call: Call): boolean => !call.tool.annotations.readOnlyHint;

/** The tool's run: its result as structured content and text. Writes that return may have applied. */
export async function runTool(call: Call): Promise<Outcome> {
  const result = await call.tool.run(call.args, call.ctx);
  return { reply: toReply(call.tool, onlyEnabledSteps(result, call.enabled)), mayHaveApplied: isMutating(call), deduplicated: false, requestIds: [] };
}

/** A stage's own answer in place of the run (a plan to confirm, a refusal): nothing was applied. */
export const answer = (call: Call, result: Record<string, unknown>): Outcome =>
  ({ reply: toReply(call.tool, onlyEnabledSteps(result, call.enabled)), mayHaveApplied: false, deduplicated: false, requestIds: [] });

/** A step naming a tool this server does not serve becomes the same step in words, for a human:
 * the agent could not run it here. */
export function onlyEnabledSteps(result: Record<string, unknown>, enabled: ReadonlySet<string>): Record<string, unknown> {
  const steps = result["recommendations"] as Recommendation[] | undefined;
  if (!steps?.some((step) => step.tool && !enabled.has(step.tool))) return result;
  return {
    ...result,
    recommendations: steps.map(({ tool, arguments: args, ...step }) => (!tool || enabled.has(tool) ? { tool, arguments: args, ...step } : {
      ...step,
      title: `${step.title} (human action)`,
      rationale: `${step.rationale} ${tool} is not enabled on this server (--toolsets, --tools, --read-only and --disable-destructive choose the tools): run it where it is, with ${JSON.stringify(args ?? {})}.`,
    })),
  };
}

