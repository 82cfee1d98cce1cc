// The diagnose_batch view in headless Chromium, inside a host that speaks the MCP Apps protocol
// (host-page.ts), fed the real server's result for every sandbox scenario.
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Frame, Locator } from "playwright-core";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { SCENARIOS, type ScenarioName } from "../../src/emulator/index.js";
import { startHarness, type Harness } from "../harness.js";
import { launch, openHost, OUTPUT_DIR, type Host } from "./browser.js";
import { diagnoseScenario, readOnlyTools, viewPage, type Diagnosed } from "./server.js";
import { expectTheme, expectView, readView, type Diagnosis, type ViewDom } from "./view-contract.js";

let browser: Browser;
let host: Host;
let html: string;
let readOnly: Set<string>;
/** The server of the scenario on show: the host forwards the view's tools/call to it. */
let active: Harness | undefined;

beforeAll(async () => {
  const h = await startHarness({ emulator: { scenarios: [] } });
  [html, readOnly] = await Promise.all([viewPage(h.client), readOnlyTools(h.client)]);
  await h.close();
  browser = await launch();
  host = await openHost(browser, (params) => active!.client.callTool(params) as Promise<CallToolResult>);
});
afterAll(() => browser?.close());
afterEach(async () => {
  // Whatever a test did, the page asked for nothing and logged no error.
  expect(host.requests, "requests made by the page").toEqual([]);
  expect(host.errors, "console errors").toEqual([]);
  await active?.close();
  active = undefined;
});

/** Shows `d` in the host and waits for the view to render it. */
async function show(d: Diagnosed, theme: "light" | "dark" = "light"): Promise<Frame> {
  active = d.h;
  const frame = await host.show({ html, theme, input: d.args, result: d.result });
  await rendered(frame, d.result.structuredContent.batch_id);
  return frame;
}

/** Resolves once the view shows `batchId` (or leaves `data-state="empty"`); a hung view times out. */
const rendered = (frame: Frame, batchId: string) => frame.waitForFunction((id) => {
  const main = document.querySelector("main#app");
  return main?.getAttribute("data-state") === "error"
    || (main?.getAttribute("data-state") === "ready" && document.querySelector("[data-field=batch-id]")?.textContent?.includes(id));
}, batchId, { timeout: 5000 });

const screenshot = (name: string) => host.page.locator("iframe#view").screenshot({ path: join(OUTPUT_DIR, `${name}.png`) });

describe("every sandbox scenario", () => {
  it.each(SCENARIOS)("%s: the view shows the diagnosis", async (scenario) => {
    const d = await diagnoseScenario(scenario);
    const frame = await show(d);
    expectView(await readView(frame), d.result.structuredContent, readOnly);
    await expectTheme(frame, "light");
    await screenshot(scenario);
  });

  const DARK: ScenarioName[] = ["oom-gpu-tier", "stuck-tier"];
  it.each(DARK)("%s in the host's dark theme", async (scenario) => {
    const d = await diagnoseScenario(scenario);
    const frame = await show(d, "dark");
    expectView(await readView(frame), d.result.structuredContent, readOnly);
    await expectTheme(frame, "dark"); // the host's theme, over the browser's own (light)
    await screenshot(`${scenario}-dark`);
  });
});

describe("an error result", () => {
  it("shows the tool's error text", async () => {
    const d = await diagnoseScenario("healthy-completed");
    const args = { ...d.args, batch_id: "btch_nosuchbatch" };
    const result = await d.h.call("diagnose_batch", args);
    expect(result.isError).toBe(true);
    active = d.h;
    const frame = await host.show({ html, theme: "light", input: args, result });
    await frame.waitForSelector("main#app[data-state=error]", { timeout: 5000 });
    const firstLine = (result.content[0] as { text: string }).text.split("\n")[0]!;
    expect(await frame.locator("main#app").innerText()).toContain(firstLine);
  });
});

describe("what was already done", () => {
  it("a fix this server applied shows on the timeline", async () => {
    const d = await diagnoseScenario("stuck-tier");
    const step = d.result.structuredContent.recommendations[0]!;
    expect(step.tool).toBe("detect_stuck_tier");
    await d.h.call(step.tool!, step.arguments!);
    const after = { ...d, result: (await d.h.call("diagnose_batch", d.args)) as Diagnosed["result"] };
    expect(after.result.structuredContent.recent_actions.map((a) => a.tool)).toEqual(["detect_stuck_tier"]);
    expectView(await readView(await show(after)), after.result.structuredContent, readOnly);
  });
});

describe("running a read-only step from the page", () => {
  // Batches that finish within a few polls, so the wait returns at once.
  const cases: [string, ScenarioName, (frame: Frame, button: Locator) => Promise<void>][] = [
    ["a click", "still-running", (_frame, button) => button.click()],
    ["Tab to the button, then Enter", "running-unknown-status", async (frame, button) => {
      for (let tabs = 0; !(await button.evaluate((b) => b === document.activeElement)); tabs++) {
        expect(tabs, "the button is reachable with Tab").toBeLessThan(50);
        await host.page.keyboard.press("Tab");
      }
      expect(await frame.evaluate(() => document.activeElement?.matches("button[data-run]"))).toBe(true);
      await host.page.keyboard.press("Enter");
    }],
  ];

  it.each(cases)("%s runs it on the server through the host and shows the batch diagnosed again", async (_how, scenario, press) => {
    const d = await diagnoseScenario(scenario);
    const frame = await show(d);
    const index = d.result.structuredContent.recommendations.findIndex((r) => r.tool !== undefined && readOnly.has(r.tool));
    const step = d.result.structuredContent.recommendations[index]!;
    expect(step.tool).toBe("wait_for_batch");
    host.calls.length = 0;
    const seen = d.h.emulator.requests.length;

    await press(frame, frame.locator("[data-recommendation]").nth(index).locator("button[data-run]"));
    // The page runs the step, then diagnoses again and draws that.
    await expect.poll(() => host.calls.map((c) => c.name), { timeout: 5000 }).toEqual(["wait_for_batch", "diagnose_batch"]);
    expect(host.calls[0]!.arguments).toEqual(step.arguments);
    expect(host.calls[1]!.arguments).toEqual(d.args);
    // The server ran both: the wait polled the batch, the diagnosis read it again.
    const operations = d.h.emulator.requests.slice(seen).map((r) => r.operation);
    expect(operations[0]).toBe("getBatch");
    expect(operations).toContain("diagnoseBatch");
    await expect.poll(() => host.calls[1]!.result).toBeDefined();
    const again = host.calls[1]!.result!.structuredContent as Diagnosis;
    expect(again.status).not.toBe(d.result.structuredContent.status);
    await rendered(frame, again.batch_id);
    await expect.poll(async () => (await readView(frame)).status).toContain(again.status);
    expectView(await readView(frame), again, readOnly);
  });
});

describe("the checks catch a wrong page", () => {
  /** The check fails as an assertion (not by crashing on what it did not expect). */
  const rejects = (dom: ViewDom, facts: Diagnosis) => {
    let failure: unknown;
    try { expectView(dom, facts, readOnly); } catch (error) { failure = error; }
    expect(failure, "the check passed").toBeDefined();
    expect((failure as Error).name, String(failure)).toBe("AssertionError");
  };

  it("a view holding another batch's diagnosis fails them", async () => {
    const [shown, other] = await Promise.all([diagnoseScenario("oom-gpu-tier"), diagnoseScenario("stuck-tier")]);
    await other.h.close();
    const dom = await readView(await show(shown));
    rejects(dom, other.result.structuredContent);
    // Each part on its own: the same page with one fact changed fails too.
    const facts = shown.result.structuredContent;
    const changed: Diagnosis[] = [
      { ...facts, tiers: facts.tiers.map((t) => ({ ...t, oom: false })) },
      { ...facts, stage_history: [...facts.stage_history].reverse() },
      { ...facts, failed_documents: { ...facts.failed_documents, groups: facts.failed_documents.groups.map((g) => ({ ...g, transient: !g.transient })) } },
      { ...facts, recent_actions: [{ tool: "retry_tier", summary: "tier 1 with 16 GiB", outcome: "applied", at: new Date().toISOString() }] },
      { ...facts, recommendations: facts.recommendations.map((r) => ({ ...r, tool: "wait_for_batch" })) },
    ];
    for (const wrong of changed) rejects(dom, wrong);
  });

  it("a view never sent a result stays empty and fails them", async () => {
    const d = await diagnoseScenario("oom-gpu-tier");
    active = d.h;
    const frame = await host.show({ html, theme: "light", input: d.args });
    const dom = await readView(frame);
    expect(dom.state).toBe("empty");
    rejects(dom, d.result.structuredContent);
  });

  it("a request or console error from the page is recorded", async () => {
    const d = await diagnoseScenario("oom-gpu-tier");
    const leaky = html.replace("</body>", `<img src="http://192.0.2.1/pixel.png"></body>`);
    active = d.h;
    await host.show({ html: leaky, theme: "light", input: d.args, result: d.result });
    await expect.poll(() => host.requests).toEqual(["GET http://192.0.2.1/pixel.png"]);
    await expect.poll(() => host.errors.length).toBeGreaterThan(0);
    host.requests.length = 0;
    host.errors.length = 0;
  });
});
