// Confirmation tokens for destructive tools when the client cannot prompt the user. A token is
// signed (HMAC), so any replica sharing the secret accepts it. It binds the tool, its exact
// arguments, the scope (namespace and key digest) and the target's state at planning time, and
// it expires: a token is refused for another target or key, after expiry, once the target
// changed, or once used (used tokens are remembered until they expire: in this process, or in
// Redis so that a token used on one replica is refused on every other).
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const CONFIRM_TTL_MS = 5 * 60_000;
/** Used tokens remembered at most (one per confirmed change in the last CONFIRM_TTL_MS). Past it,
 * tokens are refused until older ones expire: forgetting a used token would let it be replayed. */
export const MAX_USED_TOKENS = 10_000;

interface Claims { tool: string; args: string; ns: string; state: string; exp: number; id: string }

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Where used token ids are remembered until they expire: this process or Redis. */
export interface UsedTokens {
  /** Marks token `id` of `scope` used; refused if it already was. */
  use(scope: string, id: string, expiresAt: number): Promise<Verdict>;
}

/** Used tokens of this process. */
export class LocalUsedTokens implements UsedTokens {
  /** Used token ids and when they expire. */
  private readonly used = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now, readonly capacity = MAX_USED_TOKENS) {}

  async use(_scope: string, id: string, expiresAt: number): Promise<Verdict> {
    const now = this.now();
    for (const [used, exp] of this.used) if (exp < now) this.used.delete(used);
    if (this.used.has(id)) return { ok: false, reason: "the confirm_token was already used." };
    if (this.used.size >= this.capacity) {
      return { ok: false, reason: `over ${this.capacity} confirmations in the last ${CONFIRM_TTL_MS / 60_000} minutes; nothing was applied, confirm again in a few minutes.` };
    }
    this.used.set(id, expiresAt);
    return { ok: true };
  }
}

/** A token is two base64url parts; anything else (such as text after the signature) is refused. */
const TOKEN = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

export class ConfirmationTokens {
  private readonly secret: Buffer;
  /** No shared secret: tokens are valid only in this process (a restart, or a client that starts
   * a server per call, cannot use them), which the refusal says. */
  private readonly perProcess: boolean;
  /** `used`: a token applies one change only. */
  constructor(secret?: Buffer, private readonly now: () => number = Date.now, readonly used: UsedTokens = new LocalUsedTokens(now)) {
    this.secret = secret ?? randomBytes(32);
    this.perProcess = secret === undefined;
  }

  /** Tokens signed with MIXPEEK_CONFIRM_SECRET when it is set (shared by every process and
   * replica that has it), else with a random per-process key. */
  static fromSecret(secret: string | undefined, used?: UsedTokens): ConfirmationTokens {
    return new ConfirmationTokens(secret ? Buffer.from(secret) : undefined, Date.now, used);
  }

  /** `scope` is the namespace and, over HTTP, the caller's key digest: a token works for its caller only. */
  issue(tool: string, args: Record<string, unknown>, scope: string, fingerprint: string): { token: string; expiresAt: number } {
    const claims: Claims = {
      tool, args: digest(args), ns: scope, state: digest(fingerprint), exp: this.now() + CONFIRM_TTL_MS, id: randomBytes(9).toString("base64url"),
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return { token: `${payload}.${this.sign(payload)}`, expiresAt: claims.exp };
  }

  /** Checks a token and, when it is good, uses it up. */
  async verify(token: string, tool: string, args: Record<string, unknown>, scope: string, fingerprint: string): Promise<Verdict> {
    const [, payload, signature] = TOKEN.exec(token) ?? [];
    if (!payload || !signature || !safeEqual(signature, this.sign(payload))) {
      return {
        ok: false,
        reason: `the confirm_token is not one this server issued.${this.perProcess
          ? " Tokens are valid only in the server process that issued them unless MIXPEEK_CONFIRM_SECRET is set: set it (the same value everywhere) if the client starts a new server process per call, or the server restarted."
          : ""}`,
      };
    }
    let claims: Claims;
    try { claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Claims; } catch {
      return { ok: false, reason: "the confirm_token is malformed." };
    }
    if (claims.tool !== tool || claims.args !== digest(args) || claims.ns !== scope) {
      return { ok: false, reason: "the confirm_token was issued for a different call or target." };
    }
    if (this.now() > claims.exp) return { ok: false, reason: "the confirm_token has expired." };
    if (claims.state !== digest(fingerprint)) {
      return { ok: false, reason: "the target changed since the confirmation was planned." };
    }
    return this.used.use(scope, claims.id, claims.exp);
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.secret).update(payload).digest("base64url");
  }
}

/** Constant-time string comparison, for secrets. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Stable digest of a value: object keys sorted, so argument order does not matter. */
export function digest(value: unknown): string {
  return createHash("sha256").update(canonical(value)).digest("base64url").slice(0, 22);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
