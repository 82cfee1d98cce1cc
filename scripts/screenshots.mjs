// Regenerates the README's pictures of the diagnose_batch view, docs/view-<scenario>.png: the bin's
// `report` for two sandbox scenarios, opened in headless Chromium (Debian's, or CHROMIUM_PATH).
// `npm run screenshots` builds first; this file reads the build.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { startEmulator } from "../dist/src/emulator/index.js";

const SCENARIOS = ["oom-gpu-tier", "stuck-tier"];

// The sandbox's ids are the same in every run: learn them from an emulator of our own.
const emulator = await startEmulator({ port: 0, scenarios: SCENARIOS });
const { bucketName, batches } = emulator.sandbox;
await emulator.close();

const work = mkdtempSync(join(tmpdir(), "mixpeek-screenshots-"));
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("MIXPEEK_")));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
try {
  const page = await browser.newPage({ viewport: { width: 960, height: 600 }, deviceScaleFactor: 1, colorScheme: "light" });
  mkdirSync("docs", { recursive: true });
  for (const scenario of SCENARIOS) {
    const file = join(work, `${scenario}.html`);
    execFileSync(process.execPath, ["dist/mixpeek-batch-mcp.mjs", "report", bucketName, batches[scenario], "--sandbox", "--out", file], { env, stdio: "pipe" });
    await page.goto(pathToFileURL(file).href);
    await page.screenshot({ path: `docs/view-${scenario}.png`, fullPage: true });
    console.log(`docs/view-${scenario}.png`);
  }
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}
