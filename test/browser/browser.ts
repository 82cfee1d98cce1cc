// Headless Chromium (Debian's, driven by playwright-core) and the test host page around it. Every
// page records each request it makes and each console error or uncaught exception, so a test can
// require none.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from "playwright-core";
import type { CallToolRequest, CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ShowParams } from "./host-page.js";

/** Debian's `chromium` package; CHROMIUM_PATH points elsewhere (e.g. a Playwright download). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Screenshots and other browser-test output (gitignored). */
export const OUTPUT_DIR = fileURLToPath(new URL("../../.test-output/browser/", import.meta.url));

export const launch = (): Promise<Browser> => {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  // A sandboxed iframe runs in a process of its own by default, and Playwright sees none of the
  // requests it makes while parsing (test: "a request … is recorded"); in-process, it sees all.
  return chromium.launch({ executablePath: CHROMIUM, args: ["--disable-features=IsolateSandboxedIframes"] });
};

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** Every request any frame of the page made, as "METHOD url", and every WebSocket. */
  requests: string[];
  /** Console errors and uncaught exceptions of every frame. */
  errors: string[];
}

/** A fresh context and page whose requests and errors are recorded. Requests are also aborted:
 * nothing a page asks for leaves the machine. `allow` is the harness's own loading. */
export async function watchedPage(browser: Browser, allow: (url: string) => boolean = () => false): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 960, height: 720 } });
  const requests: string[] = [];
  const errors: string[] = [];
  context.on("request", (r) => { if (!allow(r.url())) requests.push(`${r.method()} ${r.url()}`); });
  await context.route("**/*", (route) => (allow(route.request().url()) ? route.continue() : route.abort()));
  const page = await context.newPage();
  page.on("websocket", (ws) => requests.push(`WEBSOCKET ${ws.url()}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  return { context, page, requests, errors };
}

/** The host script, bundled once per test file. */
let hostScript: Promise<string> | undefined;
const bundleHost = () => hostScript ??= build({
  entryPoints: [fileURLToPath(new URL("host-page.ts", import.meta.url))],
  bundle: true, write: false, format: "iife", platform: "browser", target: "chrome120", minify: true, logLevel: "silent",
}).then((r) => r.outputFiles[0]!.text);

/** A tools/call the view sent through the host, and the real server's answer once it came. */
export interface ForwardedCall {
  name: string;
  arguments?: Record<string, unknown>;
  result?: CallToolResult;
}

export interface Host extends Watched {
  /** The view's tools/call requests, in order. */
  calls: ForwardedCall[];
  /** Loads the view and sends it the tool input and result; resolves with the view's frame. */
  show(params: ShowParams): Promise<Frame>;
}

/** A host page (no URL, so no request of its own) that forwards the view's tools/call to `callTool`. */
export async function openHost(browser: Browser, callTool: (params: CallToolRequest["params"]) => Promise<CallToolResult>): Promise<Host> {
  const watched = await watchedPage(browser);
  const { page } = watched;
  const calls: ForwardedCall[] = [];
  // A binding, not a function: only the host frame may use it, never the sandboxed view.
  await page.exposeBinding("hostCallTool", async ({ frame }, { name, arguments: args }: CallToolRequest["params"]) => {
    if (frame !== page.mainFrame()) throw new Error("hostCallTool called from the view's frame");
    const call: ForwardedCall = { name, arguments: args };
    calls.push(call);
    // As a host does: the name and arguments only, not the view's own _meta (progress token).
    return call.result = await callTool({ name, arguments: args });
  });
  await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><title>test host</title>
<style>body{margin:0;background:#888}iframe{display:block;width:100%;border:0}</style></head>
<body><script>${await bundleHost()}</script></body></html>`);
  return {
    ...watched,
    calls,
    async show(params) {
      await page.evaluate((p) => window.testHost.show(p), params);
      const frame = await (await page.waitForSelector("iframe#view")).contentFrame();
      if (!frame) throw new Error("the view's iframe has no frame");
      return frame;
    },
  };
}
