// Mutation testing (npm run mutation): StrykerJS mutates the domain rules, the API client and its
// tolerant readers and errors, and the safety pieces, then runs the tests that cover each mutant.
// Only fast tests run: the unit tests, the API tests against the emulator, and the server tests
// that exercise these files. The triage matrix, fuzzing, reliability timeouts, the emulator's own
// tests and the e2e tests (spawned bin) are left out: they are slow and add little here.
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
