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
