// The audit log under concurrent writers: every line stays whole and parseable, oversized
// arguments are summarised instead of split, and reading the tail tolerates a partial first line.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { AuditLog, type AuditEntry } from "../../src/safety/audit.js";

const AUDIT = new URL("../../dist/src/safety/audit.js", import.meta.url).href;
const entry = (i: number, args: Record<string, unknown> = { i }): AuditEntry => ({
  time: new Date(0).toISOString(), tool: "retry_tier", arguments: args, namespace: "ns", outcome: "retrying",
  request_ids: [`req_${i}`], duration_ms: 1, deduplicated: false, confirmed: "not required",
});

it("keeps every line whole with four processes appending at once", async () => {
  if (!existsSync(new URL(AUDIT))) throw new Error("dist/ is missing: run npm run build (npm test does)");
  const path = join(mkdtempSync(join(tmpdir(), "audit-")), "audit.jsonl");
  const writer = `const { AuditLog } = await import(${JSON.stringify(AUDIT)});
    const log = new AuditLog(${JSON.stringify(path)});
    for (let i = 0; i < 500; i++) log.append({ time: "t", tool: "w" + process.argv[1], arguments: { pad: "x".repeat(3000), i }, namespace: "n", outcome: "ok", request_ids: [], duration_ms: 0, deduplicated: false, confirmed: "not required" });`;
  await Promise.all([1, 2, 3, 4].map((n) => new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", writer, String(n)], { stdio: "ignore" });
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
  })));
  // Each writer checks once for a torn last line and may start with a newline: blank lines are
  // allowed, partial ones are not.
  const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
  expect(lines).toHaveLength(2000);
  const parsed = lines.map((line) => JSON.parse(line) as AuditEntry);
  for (const n of [1, 2, 3, 4]) expect(parsed.filter((e) => e.tool === `w${n}`)).toHaveLength(500);
});

it("summarises arguments too large for one line, and reads the newest entries first", () => {
  const path = join(mkdtempSync(join(tmpdir(), "audit-")), "audit.jsonl");
  writeFileSync(path, '{"partial": tr'); // a torn line left by something else must not break reading
  const log = new AuditLog(path);
  log.append(entry(1));
  log.append(entry(2, { huge: "y".repeat(10_000) }));
  const recent = log.recent(10);
  expect(recent.map((e) => e.request_ids[0])).toEqual(["req_2", "req_1"]);
  expect(recent[0]!.arguments).toEqual({ truncated: true, size: expect.any(Number) });
  expect(readFileSync(path, "utf8").split("\n").every((line) => line.length <= 4096)).toBe(true);
});

it("reports an unwritable path once and keeps going", () => {
  const warnings: string[] = [];
  const blocker = join(mkdtempSync(join(tmpdir(), "audit-")), "a-file");
  writeFileSync(blocker, "not a directory");
  const log = new AuditLog(join(blocker, "audit.jsonl"), (message) => warnings.push(message));
  log.append(entry(1));
  log.append(entry(2));
  expect(warnings).toHaveLength(1);
  expect(log.recent()).toEqual([]);
});
