// heldForReview: with the mutation budget spent, a step that would change something becomes the
// same step in words for a person; a step that only reads, and a human action, stay as they are.
import { describe, expect, it } from "vitest";
import { diagnoseStep, heldForReview, humanAction, readFailedDocumentsStep, step } from "../../src/domain/next-steps.js";

const ref = { bucket: "media", batch_id: "btch_1" };

describe("heldForReview", () => {
  it("leaves a read-only step and a human action untouched", () => {
    const reads = [diagnoseStep(ref), readFailedDocumentsStep(ref, "See what failed.")];
    for (const rec of reads) expect(heldForReview(rec, "2026-01-01T00:00:00.000Z")).toBe(rec);
    const person = humanAction("Fix the source files", "They are corrupt.");
    expect(heldForReview(person, "2026-01-01T00:00:00.000Z")).toBe(person);
  });

  it("turns a step that changes something into a human action naming the tool, its arguments and when it frees", () => {
    const retry = step("retry_tier", { ...ref, tier_num: 1 }, "Retry tier 1", "It ran out of memory.", "medium");
    expect(heldForReview(retry, "2026-01-01T00:00:00.000Z")).toEqual({
      title: "Retry tier 1 (human action)", risk: "low",
      rationale: 'It ran out of memory. This server refuses retry_tier until 2026-01-01T00:00:00.000Z (the mutation budget is spent): a person should review recent_actions first, then run retry_tier with {"bucket":"media","batch_id":"btch_1","tier_num":1}.',
    });
  });
});
