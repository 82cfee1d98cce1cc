// The pieces every tool result shares: recommendations (next steps) and confirmation plans.
import { z } from "zod";

export const Risk = z.enum(["low", "medium", "high"]);
export const Recommendation = z.object({
  title: z.string(),
  rationale: z.string(),
  risk: Risk,
  tool: z.string().optional(),
  arguments: z.record(z.string(), z.unknown()).optional(),
});
export type Recommendation = z.infer<typeof Recommendation>;
export const recommendations = z.array(Recommendation).describe("Next steps, best first");

export const Plan = z.object({
  action: z.string(),
  target: z.string(),
  affects: z.array(z.string()),
  expires_at: z.string(),
});
export type Plan = z.infer<typeof Plan>;

export const BudgetView = z.object({
  scope: z.enum(["batch", "credential"]).describe("batch: changes to this batch; credential: changes made with this key and namespace"),
  used: z.number(),
  limit: z.number(),
  window_seconds: z.number(),
  frees_at: z.string().nullable().describe("When the oldest counted change leaves the window"),
});
export type BudgetView = z.infer<typeof BudgetView>;
