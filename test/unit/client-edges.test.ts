// Edges of the HTTP client that client.test.ts leaves open, on undici's MockAgent (no socket):
// where a refused body's problem is, and a Retry-After sent more than once.
import { MockAgent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { MixpeekClient } from "../../src/api/client.js";
import { RateLimitError } from "../../src/api/errors.js";

const ORIGIN = "http://api.test";
const BATCH = { bucket: "media", batch_id: "btch_1" };
const Loose = z.looseObject({});

const agents: MockAgent[] = [];
afterEach(async () => { await Promise.all(agents.splice(0).map((a) => a.close())); });

function client(reply: { status: number; body: string; headers?: Record<string, string | string[]> }) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agents.push(agent);
  const sent: string[] = [];
  agent.get(ORIGIN).intercept({ path: () => true, method: () => true }).reply((o) => {
    sent.push(o.path);
    return { statusCode: reply.status, data: reply.body, responseOptions: { headers: reply.headers ?? {} } };
  }).persist();
  return { sent, client: new MixpeekClient({ baseUrl: ORIGIN, apiKey: "sk_test", timeoutMs: 1000, retryBaseMs: 1, maxRetries: 0, dispatcher: agent }) };
}

describe("client edges", () => {
  it("names the path of a nested problem in a refused body, joined with dots, and sends nothing", async () => {
    const { client: c, sent } = client({ status: 200, body: "{}" });
    const call = c.call("retryDocuments", Loose, { params: BATCH, body: { retry_mode: "all", tier_nums: ["x"] } });
    await expect(call).rejects.toThrow(/^refusing to send retryDocuments with a body the API does not declare \(tier_nums\.0: /);
    expect(sent).toEqual([]);
  });

  it("ignores a Retry-After sent more than once rather than guessing which one counts", async () => {
    const { client: c } = client({ status: 429, body: "{}", headers: { "retry-after": ["5", "7"] } });
    const error = await c.call("cancelBatch", Loose, { params: BATCH }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBeUndefined();
  });
});
