// Confirmation tokens alone, with a fake clock and a known secret: a token is taken only for the
// tool, arguments, namespace and target state it was issued for, until it expires, and only if
// this server (or one sharing its secret) signed it.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CONFIRM_TTL_MS, ConfirmationTokens, digest, safeEqual } from "../../src/safety/confirm.js";

const SECRET = Buffer.alloc(32, 7);
const ARGS = { bucket: "media", batch_id: "btch_1", tier_num: 1 };
const STATE = "IN_PROGRESS|raysubmit_a,raysubmit_b";

function tokens(start = 1_000_000) {
  let now = start;
  return { t: new ConfirmationTokens(SECRET, () => now), advance: (ms: number) => { now += ms; } };
}
const sign = (payload: string, secret = SECRET) => createHmac("sha256", secret).update(payload).digest("base64url");

describe("ConfirmationTokens", () => {
  it("takes a token for exactly the call and state it was issued for", async () => {
    const { t } = tokens();
    const { token, expiresAt } = t.issue("cancel_tier", ARGS, "ns", STATE);
    expect(expiresAt).toBe(1_000_000 + CONFIRM_TTL_MS);
    expect(CONFIRM_TTL_MS).toBe(5 * 60_000);
    expect(await t.verify(token, "cancel_tier", { tier_num: 1, batch_id: "btch_1", bucket: "media" }, "ns", STATE)).toEqual({ ok: true });
  });

  it("is used up by the change it confirms, and refused with text after its signature", async () => {
    const { t } = tokens();
    const { token } = t.issue("cancel_tier", ARGS, "ns|key1", STATE);
    expect(await t.verify(`${token}.extra`, "cancel_tier", ARGS, "ns|key1", STATE)).toEqual({ ok: false, reason: "the confirm_token is not one this server issued." });
    expect(await t.verify(`${token} `, "cancel_tier", ARGS, "ns|key1", STATE)).toEqual({ ok: false, reason: "the confirm_token is not one this server issued." });
    // Another key in a namespace of the same name cannot use it.
    expect(await t.verify(token, "cancel_tier", ARGS, "ns|key2", STATE)).toEqual({ ok: false, reason: "the confirm_token was issued for a different call or target." });
    expect(await t.verify(token, "cancel_tier", ARGS, "ns|key1", STATE)).toEqual({ ok: true });
    expect(await t.verify(token, "cancel_tier", ARGS, "ns|key1", STATE)).toEqual({ ok: false, reason: "the confirm_token was already used." });
    // A fresh token for the same call works: each is used once.
    expect(await t.verify(t.issue("cancel_tier", ARGS, "ns|key1", STATE).token, "cancel_tier", ARGS, "ns|key1", STATE)).toEqual({ ok: true });
  });

  it("refuses it for another tool, arguments or namespace", async () => {
    const { t } = tokens();
    const { token } = t.issue("cancel_tier", ARGS, "ns", STATE);
    const other = { ok: false, reason: "the confirm_token was issued for a different call or target." };
    expect(await t.verify(token, "kill_duplicate_jobs", ARGS, "ns", STATE)).toEqual(other);
    expect(await t.verify(token, "cancel_tier", { ...ARGS, tier_num: 2 }, "ns", STATE)).toEqual(other);
    expect(await t.verify(token, "cancel_tier", { ...ARGS, extra: true }, "ns", STATE)).toEqual(other);
    expect(await t.verify(token, "cancel_tier", ARGS, "ns_other", STATE)).toEqual(other);
  });

  it("refuses it once the target's state changed", async () => {
    const { t } = tokens();
    const { token } = t.issue("cancel_tier", ARGS, "ns", STATE);
    expect(await t.verify(token, "cancel_tier", ARGS, "ns", "IN_PROGRESS|raysubmit_a")).toEqual({ ok: false, reason: "the target changed since the confirmation was planned." });
  });

  it("takes it until it expires, and not a millisecond after", async () => {
    const { t, advance } = tokens();
    const { token } = t.issue("cancel_tier", ARGS, "ns", STATE);
    advance(CONFIRM_TTL_MS);
    expect(await t.verify(token, "cancel_tier", ARGS, "ns", STATE)).toEqual({ ok: true });
    advance(1);
    expect(await t.verify(token, "cancel_tier", ARGS, "ns", STATE)).toEqual({ ok: false, reason: "the confirm_token has expired." });
    // Expiry is checked before the state: an old token is expired whatever the state.
    expect(await t.verify(token, "cancel_tier", ARGS, "ns", "other")).toEqual({ ok: false, reason: "the confirm_token has expired." });
  });

  it("refuses tokens it did not sign, forged ones and malformed ones", async () => {
    const { t } = tokens();
    const { token } = t.issue("cancel_tier", ARGS, "ns", STATE);
    const notOurs = { ok: false, reason: "the confirm_token is not one this server issued." };
    const [payload, signature] = token.split(".");
    for (const bad of ["", "abc", `${payload}.`, `.${signature}`, `${payload}.${signature}x`, `${payload}x.${signature}`, `${payload}.${sign(payload!, Buffer.alloc(32, 8))}`]) {
      expect(await t.verify(bad, "cancel_tier", ARGS, "ns", STATE), bad).toEqual(notOurs);
    }
    expect(await new ConfirmationTokens(Buffer.alloc(32, 8), () => 1_000_000).verify(token, "cancel_tier", ARGS, "ns", STATE)).toEqual(notOurs);
    // Signed with our secret but not JSON.
    const garbage = Buffer.from("not json").toString("base64url");
    expect(await t.verify(`${garbage}.${sign(garbage)}`, "cancel_tier", ARGS, "ns", STATE)).toEqual({ ok: false, reason: "the confirm_token is malformed." });
  });

  it("a replica sharing the secret takes the token", async () => {
    const { t } = tokens();
    const { token } = t.issue("cancel_batch", { bucket: "b", batch_id: "x" }, "ns", "s");
    expect(await new ConfirmationTokens(Buffer.from(SECRET), () => 1_000_000).verify(token, "cancel_batch", { bucket: "b", batch_id: "x" }, "ns", "s")).toEqual({ ok: true });
  });

  it("carries the claims it checks, and no argument values in clear", async () => {
    const { t } = tokens();
    const { token } = t.issue("cancel_tier", { ...ARGS, secret_note: "hush" }, "ns", STATE);
    const claims = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8"));
    expect(claims).toEqual({ tool: "cancel_tier", args: digest({ ...ARGS, secret_note: "hush" }), ns: "ns", state: digest(STATE), exp: 1_000_000 + CONFIRM_TTL_MS, id: expect.stringMatching(/^[\w-]{12}$/) });
    expect(token).not.toContain("hush");
  });

  it("a default instance signs with its own random secret, and its refusal says how to share one", async () => {
    const a = new ConfirmationTokens();
    const b = new ConfirmationTokens();
    const { token } = a.issue("cancel_tier", ARGS, "ns", STATE);
    expect(await a.verify(token, "cancel_tier", ARGS, "ns", STATE)).toEqual({ ok: true });
    const refused = await b.verify(token, "cancel_tier", ARGS, "ns", STATE);
    expect(refused).toEqual({ ok: false, reason: expect.stringMatching(/^the confirm_token is not one this server issued\. Tokens are valid only in the server process that issued them unless MIXPEEK_CONFIRM_SECRET is set/) });
  });

  it("instances with the same MIXPEEK_CONFIRM_SECRET accept each other's tokens (a process per call)", async () => {
    const first = ConfirmationTokens.fromSecret("team-secret-0123456789");
    const { token } = first.issue("cancel_tier", ARGS, "ns", STATE);
    expect(await ConfirmationTokens.fromSecret("team-secret-0123456789").verify(token, "cancel_tier", ARGS, "ns", STATE)).toEqual({ ok: true });
    expect(await ConfirmationTokens.fromSecret("another-secret-0123456").verify(token, "cancel_tier", ARGS, "ns", STATE)).toEqual({ ok: false, reason: "the confirm_token is not one this server issued." });
    expect((await ConfirmationTokens.fromSecret(undefined).verify(token, "cancel_tier", ARGS, "ns", STATE)).ok).toBe(false);
  });
});

describe("digest", () => {
  it("ignores key order and undefined values, and nothing else", async () => {
    expect(digest({ a: 1, b: [1, { c: 2, d: undefined }] })).toBe(digest({ b: [1, { c: 2 }], a: 1 }));
    expect(digest({ a: 1 })).not.toBe(digest({ a: "1" }));
    expect(digest({ a: null })).not.toBe(digest({}));
    expect(digest([1, 2])).not.toBe(digest([2, 1]));
    expect(digest({ a: [1] })).not.toBe(digest({ a: 1 }));
    expect(digest({ a: { b: 1 } })).not.toBe(digest({ a: { b: 2 } }));
    expect(digest("x")).not.toBe(digest("y"));
    expect(digest({ "a,b": 1 })).not.toBe(digest({ a: 1, b: 1 }));
    expect(digest([1, 23])).not.toBe(digest([12, 3]));
    expect(digest([1, 2])).not.toBe(digest({ 0: 1, 1: 2 }));
    expect(digest([])).not.toBe(digest({}));
  });

  it("is a short url-safe string", async () => {
    expect(digest({ a: 1 })).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe("safeEqual", () => {
  it("compares strings of any length", async () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual("", "")).toBe(true);
  });
});
