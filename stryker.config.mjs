// Mutation testing (npm run mutation): StrykerJS mutates the domain rules, the API client and its
// tolerant readers and errors, the safety pieces, the pipeline stages on shared state, budgets
// and telemetry, and the stateless HTTP fast path, then runs the tests that cover each mutant.
// Only fast tests run: the unit tests, the API tests against the emulator, the server tests
// that exercise these files, the shared state against a real redis-server, and the HTTP tests
// that run the server in this process. The triage matrix, fuzzing, reliability timeouts, the
// emulator's own tests, the spawned-bin e2e tests and the two-replica test are left out: they are
// slow and add little here.
// @ts-check

// Vitest runs inside Stryker on worker threads, where setting process.env.TZ at run time does not
// change the zone; the time-zone test (tolerance.test.ts) needs a zone that is not UTC, so the
// whole run gets one. The test processes inherit it from here.
process.env.TZ = "America/Los_Angeles";

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: [
    "src/domain/**/*.ts",
    "src/api/client.ts",
    "src/api/tolerant.ts",
    "src/api/errors.ts",
    "src/safety/**/*.ts",
    "src/mcp/stages/budget.ts",
    "src/mcp/stages/shared-state.ts",
    "src/mcp/stages/telemetry.ts",
    "src/transport/shared-servers.ts",
    "src/transport/json-exchange.ts",
  ],
  // Which tests run is set in vitest.mutation.config.mjs, not with Stryker's `testFiles`.
  vitest: { configFile: "vitest.mutation.config.mjs", related: true },
  // Each mutant runs only the tests that reached it.
  coverageAnalysis: "perTest",
  // TypeScript 7 has no JavaScript API, so neither the TypeScript checker nor Stryker's tsconfig
  // rewriting can load it. Our tsconfigs need no rewriting (no extends or references outside the
  // project), so point Stryker at a file that does not exist to skip that step.
  tsconfigFile: "stryker-skips-tsconfig-rewriting.json",
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ["clear-text", "progress", "html", "json"],
  // coverage/ is already ignored by git.
  htmlReporter: { fileName: "coverage/mutation/index.html" },
  jsonReporter: { fileName: "coverage/mutation/mutation.json" },
  thresholds: { high: 90, low: 80, break: null },
};
