// The one rule for text that comes from outside (the API, its logs, its errors): secrets are
// removed first, then the text is cut to a bound with a visible mark, then every character that
// could end a line or change how the rest is displayed is written as an escape, so API text can
// never pass for a line of ours on any channel.

/** Line terminators (\n, \r, U+0085, U+2028, U+2029), other C0 and C1 controls, and the
 * invisible format characters (zero-width, bidi embeddings and isolates, BOM). */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** Every unsafe character as a visible escape (`\n`, `\u2028`, …); tabs become spaces. */
export function oneLine(text: string): string {
  return text.replace(UNSAFE, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? " " : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/** Removes every secret from a text, even inside longer strings. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out;
}

/** Outside text made safe to show: redacted, bounded (with the number of characters cut), and on one line. */
export function safeText(text: string, max: number, secrets: readonly string[]): string {
  const clean = redact(text, secrets);
  const cut = clean.length <= max ? clean : `${clean.slice(0, max)}…[${clean.length - max} more]`;
  return oneLine(cut);
}
