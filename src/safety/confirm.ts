// Confirmation tokens for destructive tools when the client cannot prompt the user. A token is
// signed (HMAC), so the server keeps no state and any replica sharing the secret accepts it. It
// binds the tool, its exact arguments, the namespace and the target's state at planning time,
// and it expires: a token is refused for another target, after expiry, or once the target changed.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const CONFIRM_TTL_MS = 5 * 60_000;

interface Claims { tool: string; args: string; ns: string; state: string; exp: number }

export type Verdict = { ok: true } | { ok: false; reason: string };

export class ConfirmationTokens {
  constructor(private readonly secret: Buffer = randomBytes(32), private readonly now: () => number = Date.now) {}

  issue(tool: string, args: Record<string, unknown>, namespace: string, fingerprint: string): { token: string; expiresAt: number } {
    const claims: Claims = { tool, args: digest(args), ns: namespace, state: digest(fingerprint), exp: this.now() + CONFIRM_TTL_MS };
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return { token: `${payload}.${this.sign(payload)}`, expiresAt: claims.exp };
  }

  verify(token: string, tool: string, args: Record<string, unknown>, namespace: string, fingerprint: string): Verdict {
    const [payload, signature] = token.split(".");
    if (!payload || !signature || !safeEqual(signature, this.sign(payload))) {
      return { ok: false, reason: "the confirm_token is not one this server issued." };
    }
    let claims: Claims;
    try { claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Claims; } catch {
      return { ok: false, reason: "the confirm_token is malformed." };
    }
    if (claims.tool !== tool || claims.args !== digest(args) || claims.ns !== namespace) {
      return { ok: false, reason: "the confirm_token was issued for a different call or target." };
    }
    if (this.now() > claims.exp) return { ok: false, reason: "the confirm_token has expired." };
    if (claims.state !== digest(fingerprint)) {
      return { ok: false, reason: "the target changed since the confirmation was planned." };
    }
    return { ok: true };
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
