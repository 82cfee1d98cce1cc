// The control API under /_emulator/, for tests that drive an emulator over HTTP: the sandbox's
// ids, the request log, fault injection and the virtual clock. Its requests need no API key,
// are not recorded in the request log and take no virtual time step.
import { OPERATIONS, type Operation } from "../api/operations.js";
import { envelope } from "./errors.js";
import { FAULT_KINDS, type Fault } from "./faults.js";
import type { Reply } from "./request.js";
import type { Emulator } from "./server.js";

/** Answers one control request; `parsed` is its JSON body, if any. */
export function control(emulator: Emulator, method: string, path: string, parsed: unknown): Reply {
  const body = (parsed ?? {}) as Record<string, unknown>;
  const key = `${method} ${path}`;
  if (key === "GET /_emulator/sandbox") return { status: 200, body: emulator.sandbox };
  if (key === "GET /_emulator/requests") return { status: 200, body: emulator.requests };
  if (key === "DELETE /_emulator/requests") { emulator.clearRequests(); return { status: 200, body: {} }; }
  if (key === "POST /_emulator/faults") {
    const operation = body["operation"] as Operation | "*";
    const fault = body["fault"] as Fault | undefined;
    const incomplete = (fault?.kind === "after-apply" && (typeof fault.status !== "number" || typeof fault.body !== "string"))
      || (fault?.kind === "hostile-text" && typeof fault.text !== "string");
    if ((operation !== "*" && !(operation in OPERATIONS)) || !FAULT_KINDS.includes(fault?.kind as Fault["kind"]) || incomplete) {
      return { status: 400, body: envelope(400, `Expected {operation: "*" | one of ${Object.keys(OPERATIONS).join(", ")}, fault: {kind: ${FAULT_KINDS.join(" | ")}, …}, count?}`) };
    }
    emulator.faults.inject(operation, fault!, typeof body["count"] === "number" ? body["count"] : 1);
    return { status: 200, body: {} };
  }
  if (key === "DELETE /_emulator/faults") { emulator.faults.clear(); return { status: 200, body: {} }; }
  if (key === "POST /_emulator/clock") {
    if (typeof body["setMs"] === "number") emulator.clock.set(body["setMs"]);
    if (typeof body["advanceMs"] === "number") emulator.clock.advance(body["advanceMs"]);
    return { status: 200, body: { now: emulator.clock.now() } };
  }
  return { status: 404, body: envelope(404, `Unknown control route ${key}`) };
}
