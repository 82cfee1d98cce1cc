// The emulator's public entry: an HTTP server speaking the Mixpeek batch API over a simulated
// sandbox (server.ts), the names of its scenarios and variants, and the types its users need.
export { describeSandbox, startEmulator, type Emulator, type EmulatorOptions, type RecordedRequest } from "./server.js";
export type { Fault } from "./faults.js";
export { SCENARIOS, type ScenarioName } from "./scenarios.js";
export { VARIANTS, VARIANT_NAMES, type Variant } from "./variants.js";
export type { Operation } from "../api/operations.js";
