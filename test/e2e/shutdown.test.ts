// SIGTERM with work in flight, on the built bin: over HTTP, calls in flight get their results,
// clients that never finish a request do not hold the process, and a call that overruns the
// grace period is cut off at the bound; over stdio, a write in flight is answered on stdout and
// recorded in the audit file before the process exits, and nothing new is started.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator/index.js";
import { emulatorControl, exitWithin, post, spawnBin, spawnHttpSandbox, toolCall, trickle, until, type Bin } from "./bin.js";

const spawned: Bin[] = [];
let emulator: Emulator | undefined;
afterEach(async () => {
  for (const bin of spawned.splice(0)) if (bin.child.exitCode === null && bin.child.signalCode === null) bin.child.kill("SIGKILL");
  await emulator?.close();
  emulator = undefined;
});

describe("SIGTERM over HTTP", () => {
  it("answers the call in flight, closes 20 clients that trickle a body, and exits with 0 well within the bound", async () => {
    const server = await spawnHttpSandbox();
    spawned.push(server);
    const control = emulatorControl(server.emulatorUrl);
    await control.fault("getBatch", { kind: "slow-headers", delayMs: 1_500 });
    const slow = await Promise.all(Array.from({ length: 20 }, () => trickle(server.url)));
    const call = post(server.url, toolCall(1, "get_batch", { bucket: "sandbox-media", batch_id: server.batches["healthy-completed"] }));
    await until(async () => ((await control.requests()).some((r) => r.operation === "getBatch") ? true : undefined), 5_000, "the call to reach the API");

    const signalled = performance.now();
    server.child.kill("SIGTERM");
    const answer = await call;
    expect(answer.status).toBe(200);
    expect(answer.json().result.structuredContent.batch_id).toBe(server.batches["healthy-completed"]);
    const exit = await exitWithin(server, 12_000);
    expect(exit).toMatchObject({ code: 0 });
    expect((exit as { at: number }).at - signalled).toBeLessThan(12_000);
    // Every trickling client was disconnected, without an answer to its unfinished request.
    const received = await Promise.all(slow.map((s) => s.closed));
    expect(received.every((text) => !text.includes("200 OK"))).toBe(true);
  }, 30_000);

  it("cuts off a call that overruns the 10 s grace and still exits with 0 within 12 s", async () => {
    const server = await spawnHttpSandbox();
    spawned.push(server);
    const control = emulatorControl(server.emulatorUrl);
    await control.fault("getBatch", { kind: "slow-headers", delayMs: 60_000 });
    const call = post(server.url, toolCall(1, "get_batch", { bucket: "sandbox-media", batch_id: server.batches["healthy-completed"] })).catch((error: Error) => error);
    await until(async () => ((await control.requests()).some((r) => r.operation === "getBatch") ? true : undefined), 5_000, "the call to reach the API");

    const signalled = performance.now();
    server.child.kill("SIGTERM");
    const exit = await exitWithin(server, 12_000);
    expect(exit).toMatchObject({ code: 0 });
    expect((exit as { at: number }).at - signalled).toBeGreaterThan(9_000);
    expect(await call).toBeInstanceOf(Error);
    expect(server.stderr()).toMatch(/1 call\(s\) still running after 10000 ms/);
  }, 30_000);
});

describe("SIGTERM over stdio", () => {
  it("writes the result of a write in flight to stdout and the audit file before exiting, and starts nothing new", async () => {
    emulator = await startEmulator({ port: 0 });
    const auditPath = join(mkdtempSync(join(tmpdir(), "mixpeek-shutdown-")), "audit.jsonl");
    emulator.faults.inject("retryDocuments", { kind: "slow-headers", delayMs: 1_500 });
    const bin = spawnBin([], {
      MIXPEEK_API_URL: emulator.url, MIXPEEK_API_KEY: "sk_test_shutdown_0123456789", MIXPEEK_NAMESPACE: emulator.sandbox.namespaceId, MIXPEEK_AUDIT_LOG: auditPath,
    });
    spawned.push(bin);
    const send = (message: object) => bin.child.stdin.write(`${JSON.stringify(message)}\n`);
    const args = { bucket: "sandbox-media", batch_id: emulator.sandbox.batches["transient-network"], retry_mode: "transient_only" };
    send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });
    await until(() => (bin.stdout().includes('"id":1') ? true : undefined), 10_000, "initialize");
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send(toolCall(2, "retry_failed_documents", args));
    const writes = () => emulator!.requests.filter((r) => r.operation === "retryDocuments");
    await until(() => (writes().length ? true : undefined), 5_000, "the write to reach the API");

    bin.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Asked after SIGTERM: refused, not started.
    send(toolCall(3, "retry_failed_documents", { ...args, batch_id: emulator.sandbox.batches["oom-gpu-tier"] }));
    const exit = await exitWithin(bin, 10_000);
    expect(exit).toMatchObject({ code: 0 });

    const answers = bin.stdout().trim().split("\n").map((line) => JSON.parse(line) as { id?: number; result?: any; error?: { message: string } });
    const result = answers.find((a) => a.id === 2)?.result;
    expect(result?.isError).toBeFalsy();
    expect(result?.structuredContent?.outcome).toBe("retrying");
    expect(answers.find((a) => a.id === 3)?.error?.message).toMatch(/shutting down/);
    expect(writes()).toHaveLength(1);
    const audit = readFileSync(auditPath, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { tool: string; outcome: string; request_ids: string[] });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ tool: "retry_failed_documents", outcome: "retrying" });
  }, 30_000);
});
