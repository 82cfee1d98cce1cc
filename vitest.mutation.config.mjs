// @ts-check
// The tests `npm run mutation` runs (see stryker.config.mjs): the fast ones that reach the mutated
// files. Stryker's own `testFiles` option cannot be used for this: with it, Stryker 9.6 activates
// static mutants (module-level constants such as regexes and limits) only after the modules are
// loaded, so they can never be killed.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

// Spread rather than mergeConfig, which would add to the base's include list instead of replacing it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "test/unit/**/*.test.ts",
      "test/api/*.test.ts",
      "test/server/confirm.test.ts",
      "test/server/tolerance.test.ts",
      "test/server/tools.test.ts",
      "test/server/triage.test.ts",
    ],
  },
});
