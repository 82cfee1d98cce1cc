// defineTool: every tool states its title, description, schemas, all four annotations, the API
// operations it sends and its handler, checked by the type system: the handler is given an API
// that can send only the declared operations. Destructive tools must also say what they will stop
// (`plan`), which the server shows before anything is changed.
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Api } from "../api/mixpeek-api.js";
import type { Operation } from "../api/operations.js";
import type { ServerConfig } from "../cli/config.js";
import type { RecentAction } from "../safety/incident-memory.js";
import { confirmTokenArg } from "./arguments.js";
import { BudgetView, Plan, recommendations } from "./results.js";
import type { Toolset } from "./toolsets.js";
import { PREBUILT_CATALOGUE } from "./prebuilt.js";
import { viewMeta } from "./view.js";

export interface ToolContext<Ops extends Operation = Operation> {
  api: Api<Ops>;
  config: ServerConfig;
  signal: AbortSignal;
  /** Sends an MCP progress notification when the client asked for progress; otherwise a no-op. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** What this server already did to a batch for the caller's namespace and key, newest first;
   * empty, with a note on the result, when the shared state cannot be read. */
  recentActions(batchId: string): Promise<RecentAction[]>;
  /** The mutation budgets a change to this batch draws on (those that are on); empty, with a
   * note, when the shared state cannot be read. */
  budgets(batchId: string): Promise<BudgetView[]>;
}

interface Annotations<Destructive extends boolean> {
  readOnlyHint: boolean;
  destructiveHint: Destructive;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a destructive call will do, read fresh from the API before asking for confirmation. */
export interface ConfirmationPlan {
  action: string;
  target: string;
  affects: string[];
  /** Changes when the target changes; a token issued for one state is refused in another. */
  fingerprint: string;
}

type Shape = z.ZodRawShape;
type Args<I extends Shape> = z.infer<z.ZodObject<I>>;
type Output<O extends Shape> = z.infer<z.ZodObject<O>>;

interface BaseSpec<I extends Shape, O extends Shape, Ops extends Operation> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  /** The group it is served in (--toolsets). */
  toolset: Toolset;
  /** Every API operation the tool may send; the API it is given refuses any other. */
  operations: readonly Ops[];
  /** The ui:// resource of an MCP App view that hosts show with the result (view.ts). */
  view?: string;
  run(args: Args<I>, ctx: ToolContext<Ops>): Promise<Output<O>>;
}

/** A plan, or a final result when there is nothing to confirm (e.g. already canceled). */
export type PlanOrResult<O extends Shape> = { plan: ConfirmationPlan } | { result: Output<O> };

export type ToolSpec<I extends Shape, O extends Shape, Ops extends Operation> = BaseSpec<I, O, Ops> & (
  | { annotations: Annotations<true>; plan(args: Args<I>, ctx: ToolContext<Ops>): Promise<PlanOrResult<O>> }
  | { annotations: Annotations<false>; plan?: never }
);

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  inputShape: Shape;
  /** Every answer the tool can give: one object, or for a write a union of its outcomes. */
  output: z.ZodType;
  /** Built once, since servers are created per HTTP request: the input, and what the SDK
   * checks results with (an object schema that accepts exactly what `output` accepts). */
  inputSchema: z.ZodObject;
  outputSchema: z.ZodObject;
  annotations: Annotations<boolean>;
  toolset: Toolset;
  operations: readonly Operation[];
  view?: string;
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<Record<string, unknown>>;
  plan?: (args: Record<string, unknown>, ctx: ToolContext) => Promise<PlanOrResult<Shape>>;
}

/** The tools/list entry of a tool, converted to JSON Schema once per process: conversion is
 * the costly part of tools/list and the result never changes. `$schema` is dropped because
 * every agent pays for the tool list in context. */
const listings = new WeakMap<ToolDefinition, Tool>();
/** The bundled build carries the listing precomputed at build time (scripts/bundle.mjs). */
const prebuilt = PREBUILT_CATALOGUE && new Map(PREBUILT_CATALOGUE.map((entry) => [entry.name, entry.listing]));

export function toolListing(tool: ToolDefinition): Tool {
  let listing = listings.get(tool) ?? prebuilt?.get(tool.name);
  if (!listing) {
    listing = {
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: jsonSchema(z.object(tool.inputShape), "input") as Tool["inputSchema"],
      // A union of outcomes is still an object: MCP requires outputSchema of type "object".
      outputSchema: { type: "object", ...jsonSchema(tool.output, "output") } as Tool["outputSchema"],
      annotations: { title: tool.title, ...tool.annotations },
      ...(tool.view ? { _meta: viewMeta(tool.view) } : {}),
    };
    listings.set(tool, listing);
  }
  return listing;
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { target: "draft-7", io });
  return json;
}

export const CONFIRMATION_REQUIRED = "confirmation_required";

const notes = z.array(z.string()).optional().describe("What the API answered that this server could not read or understand");
const deduplicated = z.boolean().optional().describe("True when this repeats an identical recent call's result; nothing was sent");

export function defineTool<I extends Shape, O extends Shape, Ops extends Operation>(spec: ToolSpec<I, O, Ops>): ToolDefinition {
  const destructive = spec.annotations.destructiveHint;
  // The SDK drops undeclared arguments, so the token must be part of the input schema.
  const inputShape = destructive ? { ...spec.input, confirm_token: confirmTokenArg } : spec.input;
  // Every result may carry notes: what the API answered that could not be read.
  const result = z.object("notes" in spec.output ? spec.output : { ...spec.output, notes });
  const output = spec.annotations.readOnlyHint ? result : outcomes(result, destructive);
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    annotations: spec.annotations,
    toolset: spec.toolset,
    operations: spec.operations,
    ...(spec.view ? { view: spec.view } : {}),
    inputShape,
    output,
    inputSchema: z.object(inputShape),
    outputSchema: output instanceof z.ZodObject ? output : z.looseObject({}).superRefine((value, ctx) => {
      const parsed = output.safeParse(value);
      if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, message: issue.message } as never);
    }),
    run: spec.run as ToolDefinition["run"],
    ...(spec.plan ? { plan: spec.plan as ToolDefinition["plan"] } : {}),
  };
}

/** The answers of a write, one variant per outcome, each with its own required fields: the
 * tool's own result; the API's refusal in the batch's current state (nothing changed); the
 * server's refusal once a mutation budget is used up (nothing sent); and for
 * destructive tools the confirmation request and the user's no. Any of them may repeat an
 * identical recent call (`deduplicated`). */
function outcomes(result: z.ZodObject, destructive: boolean): z.ZodType {
  const extra = { notes, deduplicated };
  const variants = [
    result.extend({ deduplicated }),
    z.object({ outcome: z.literal("refused").describe("The API declined the change in the batch's current state; nothing changed"), reason: z.string(), recommendations, ...extra }),
    z.object({
      outcome: z.literal("budget_exhausted").describe("Too many changes to this batch or with this key in the last hour; nothing was sent"),
      reason: z.string(), budget: BudgetView, recommendations, ...extra,
    }),
    ...(destructive ? [
      z.object({
        outcome: z.literal(CONFIRMATION_REQUIRED).describe("Nothing changed yet: show the plan, then call again with confirm_token"),
        next_step: z.string(), confirm_token: z.string(), plan: Plan, ...extra,
      }),
      z.object({ outcome: z.literal("declined").describe("The user said no; nothing changed"), plan: Plan, ...extra }),
    ] : []),
  ] as const;
  return z.discriminatedUnion("outcome", variants as unknown as [z.ZodObject, ...z.ZodObject[]]);
}
