// Error messages a newcomer meets first: each one sentence with the next step that fits the
// cause, not a generic one (a missing bucket is not found by listing its batches; a host that
// does not resolve is not fixed by retrying).
import { afterEach, expect, it } from "vitest";
import { ConnectionError } from "../../src/api/errors.js";
import { startHarness, type Harness } from "../harness.js";

let h: Harness | undefined;
afterEach(async () => { await h?.close(); h = undefined; });

const text = (result: { content?: unknown }) => (result.content as { text: string }[])[0]!.text;

it("a bucket that does not exist points at the bucket name and the namespace in use, not at list_batches", async () => {
  h = await startHarness();
  const listed = await h.call("list_batches", { bucket: "no-such-bucket" });
  expect(listed.isError).toBe(true);
  expect(text(listed)).toContain(`check the bucket name or ID, and the namespace in use (${h.emulator.sandbox.namespaceId})`);
  expect(text(listed)).not.toContain("Use list_batches");
  // A batch that does not exist in a bucket that does still points at list_batches.
  const batch = await h.call("get_batch", { bucket: h.bucket, batch_id: "btch_doesnotexist" });
  expect(text(batch)).toContain(`Use list_batches {"bucket":"${h.bucket}"} to find batch ids.`);
});

it("an API host that does not resolve says so and names MIXPEEK_API_URL", async () => {
  h = await startHarness({ config: { apiUrl: "http://mixpeek-api.invalid" } });
  const result = await h.call("get_batch", { bucket: "sandbox-media", batch_id: "btch_x" });
  expect(result.isError).toBe(true);
  expect(text(result)).toMatch(/Could not resolve the Mixpeek API host mixpeek-api\.invalid for getBatch \((ENOTFOUND|EAI_AGAIN)\)/);
  expect(text(result)).toContain("the host name does not resolve. Check MIXPEEK_API_URL");
  expect(text(result)).not.toContain("could not be reached in time");
});

it("a host name that does not exist is not retried; a temporary resolver failure is", () => {
  const init = { message: "x", operation: "getBatch" as const };
  expect(new ConnectionError(init, false, "ENOTFOUND").retryable).toBe(false);
  expect(new ConnectionError(init, false, "EAI_AGAIN").retryable).toBe(true);
  expect(new ConnectionError(init, false, "ECONNRESET").retryable).toBe(true);
});
