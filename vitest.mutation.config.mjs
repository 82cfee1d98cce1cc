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
      "test/server/budget.test.ts",
      "test/server/catalogue.test.ts",
      "test/server/confirm.test.ts",
      "test/server/mutation-budgets.test.ts",
      "test/server/telemetry.test.ts",
      "test/server/tolerance.test.ts",
      "test/server/tools.test.ts",
      "test/server/triage.test.ts",
      // The shared state against a real redis-server, alone and under the server (each file starts
      // its own redis-server; about 12 s together). replicas.test.ts spawns servers: left out.
      "test/redis/server.test.ts",
      "test/redis/state.test.ts",
      // In-process HTTP servers (no spawned bin): the shared servers, metrics, tenants.
      "test/e2e/metrics.test.ts",
      "test/e2e/shared-servers.test.ts",
      "test/e2e/tenants.test.ts",
    ],
  },
});
