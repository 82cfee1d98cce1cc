// defineTool: every tool states its title, description, schemas, all four annotations and its
// handler, checked by the type system. Destructive tools must also say what they will stop
// (`plan`), which the server shows before anything is changed.
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { MixpeekApi } from "../api/mixpeek-api.js";
import type { ServerConfig } from "../cli/config.js";
import type { RecentAction } from "../safety/incident-memory.js";
import { confirmTokenArg } from "./arguments.js";
import { Plan } from "./results.js";

export interface ToolContext {
  api: MixpeekApi;
  config: ServerConfig;
  signal: AbortSignal;
  /** Sends an MCP progress notification when the client asked for progress; otherwise a no-op. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** What this server already did to a batch for the caller's namespace and key, newest first. */
  recentActions(batchId: string): RecentAction[];
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

interface BaseSpec<I extends Shape, O extends Shape> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  run(args: Args<I>, ctx: ToolContext): Promise<Output<O>>;
}

/** A plan, or a final result when there is nothing to confirm (e.g. already canceled). */
export type PlanOrResult<O extends Shape> = { plan: ConfirmationPlan } | { result: Output<O> };

export type ToolSpec<I extends Shape, O extends Shape> = BaseSpec<I, O> & (
  | { annotations: Annotations<true>; plan(args: Args<I>, ctx: ToolContext): Promise<PlanOrResult<O>> }
  | { annotations: Annotations<false>; plan?: never }
);

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  inputShape: Shape;
  outputShape: Shape;
  /** The shapes as zod objects, built once: servers are created per HTTP request. */
  inputSchema: z.ZodObject;
  outputSchema: z.ZodObject;
  annotations: Annotations<boolean>;
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<Record<string, unknown>>;
  plan?: (args: Record<string, unknown>, ctx: ToolContext) => Promise<PlanOrResult<Shape>>;
}

/** The tools/list entry of a tool, converted to JSON Schema once per process: conversion is
 * the costly part of tools/list and the result never changes. `$schema` is dropped because
 * every agent pays for the tool list in context. */
const listings = new WeakMap<ToolDefinition, Tool>();
/** The bundled build carries the listing precomputed at build time (scripts/bundle.mjs). */
declare const __TOOL_LISTING__: Record<string, Tool> | undefined;
const prebuilt = typeof __TOOL_LISTING__ === "undefined" ? undefined : __TOOL_LISTING__;

export function toolListing(tool: ToolDefinition): Tool {
  let listing = listings.get(tool) ?? prebuilt?.[tool.name];
  if (!listing) {
    listing = {
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: jsonSchema(tool.inputShape, "input") as Tool["inputSchema"],
      outputSchema: jsonSchema(tool.outputShape, "output") as Tool["outputSchema"],
      annotations: { title: tool.title, ...tool.annotations },
    };
    listings.set(tool, listing);
  }
  return listing;
}

function jsonSchema(shape: Shape, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(z.object(shape), { target: "draft-7", io });
  return schema;
}

export const CONFIRMATION_REQUIRED = "confirmation_required";

const notes = z.array(z.string()).optional().describe("What the API answered that this server could not read or understand");

export function defineTool<I extends Shape, O extends Shape>(spec: ToolSpec<I, O>): ToolDefinition {
  const destructive = spec.annotations.destructiveHint;
  const inputShape = destructive ? { ...spec.input, confirm_token: confirmTokenArg } : spec.input;
  // Every result may carry notes: what the API answered that could not be read.
  const withNotes = "notes" in spec.output ? spec.output : { ...spec.output, notes };
  const outputShape = spec.annotations.readOnlyHint ? withNotes : mutationOutput(withNotes, destructive);
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    annotations: spec.annotations,
    // The SDK drops undeclared arguments, so the token must be part of the input schema, and
    // the output schema must admit the confirmation reply in place of the normal result.
    inputShape,
    outputShape,
    inputSchema: z.object(inputShape),
    outputSchema: z.object(outputShape),
    run: spec.run as ToolDefinition["run"],
    ...(spec.plan ? { plan: spec.plan as ToolDefinition["plan"] } : {}),
  };
}

/** A mutating tool may also answer with a refusal (`outcome: "refused"`, `reason`) and, when
 * destructive, with a confirmation request; its other fields are therefore optional. */
function mutationOutput(shape: Shape, destructive: boolean): Shape {
  const partial = Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, (schema as z.ZodType).optional()]));
  return {
    ...partial,
    outcome: z.string().describe(destructive
      ? `What happened; "${CONFIRMATION_REQUIRED}" means nothing changed yet, "refused" that the API declined`
      : `What happened; "refused" means the API declined and nothing changed`),
    reason: z.string().optional(),
    deduplicated: z.boolean().optional().describe("True when this repeats an identical recent call's result; nothing was sent"),
    ...(destructive ? { confirm_token: z.string().optional(), plan: Plan.optional(), next_step: z.string().optional() } : {}),
  };
}
