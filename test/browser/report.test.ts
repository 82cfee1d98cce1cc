// The report file (the bin's `report` command) opened straight from disk in headless Chromium,
// with no host: it draws its embedded diagnosis at once, loads nothing and logs no error.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { ScenarioName } from "../../src/emulator/index.js";
import { spawnBin } from "../e2e/bin.js";
import { launch, OUTPUT_DIR, watchedPage } from "./browser.js";
import { diagnoseScenario, readOnlyTools } from "./server.js";
import { expectTheme, expectView, readView, type Diagnosis } from "./view-contract.js";

let browser: Browser;
beforeAll(async () => { browser = await launch(); });
afterAll(() => browser?.close());

const dir = mkdtempSync(join(tmpdir(), "mixpeek-report-browser-"));
const CASES: [ScenarioName, "light" | "dark"][] = [["oom-gpu-tier", "light"], ["stuck-tier", "dark"]];

it.each(CASES)("the %s report renders its diagnosis by itself (%s)", async (scenario, theme) => {
  // The same batch in the test's own sandbox: its id, and the facts the report must agree on.
  const expected = await diagnoseScenario(scenario);
  const readOnly = await readOnlyTools(expected.h.client);
  await expected.h.close();
  const file = join(dir, `${scenario}.html`);
  const bin = spawnBin(["report", expected.args.bucket, expected.args.batch_id, "--sandbox", "--out", file]);
  expect((await bin.exited).code, bin.stderr()).toBe(0);
  const embedded = JSON.parse(/<script type="application\/json" id="diagnosis">([\s\S]*?)<\/script>/.exec(readFileSync(file, "utf8"))![1]!) as Diagnosis;
  const facts = (d: Diagnosis) => ({ batch_id: d.batch_id, status: d.status, tiers: d.tiers.map((t) => [t.tier_num, t.status]), tools: d.recommendations.map((r) => r.tool) });
  expect(facts(embedded)).toEqual(facts(expected.result.structuredContent));

  const url = pathToFileURL(file).href;
  const { context, page, requests, errors } = await watchedPage(browser, (u) => u === url);
  await page.emulateMedia({ colorScheme: theme });
  await page.goto(url);
  // At once: read as soon as the page has loaded, without waiting for anything.
  expectView(await readView(page.mainFrame()), embedded, readOnly);
  await expectTheme(page.mainFrame(), theme);
  await page.screenshot({ path: join(OUTPUT_DIR, `report-${scenario}-${theme}.png`), fullPage: true });
  expect(requests, "requests made by the page").toEqual([]);
  expect(errors, "console errors").toEqual([]);
  await context.close();
});
