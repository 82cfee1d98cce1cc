// Builds the view page: src/app/view.ts bundled for the browser and styles.css, inlined into one
// HTML file that loads nothing (hosts' default CSP allows no network). Runs at build time
// (scripts/bundle.mjs) and, from the tsc output, on first use (mcp/page.ts).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, transform, type Plugin } from "esbuild";
import { z } from "./zod-for-ext-apps.js";

/** This package's root: the source sits under it both as src/ and as the tsc output in dist/src/. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("package.json not found above the page builder");
    dir = parent;
  }
  return dir;
}

/** ext-apps imports zod's whole `z` namespace object, which defeats tree shaking and would bring
 * every zod locale and JSON Schema converter (some 350 KB) into the page. It gets an object with
 * the members its app.js uses instead (zod-for-ext-apps.ts). */
const zodForExtApps = (root: string): Plugin => ({
  name: "zod-for-ext-apps",
  setup(build) {
    build.onResolve({ filter: /^zod\/v4$/ }, ({ importer }) =>
      /[\\/]@modelcontextprotocol[\\/]ext-apps[\\/]/.test(importer) ? { path: join(root, "src/app/zod-for-ext-apps.ts") } : undefined);
    build.onLoad({ filter: /[\\/]ext-apps[\\/]dist[\\/]src[\\/]app\.js$/ }, async ({ path }) => {
      const code = await readFile(path, "utf8");
      const missing = zodMembersUsed(code).filter((member) => !(member in z));
      if (missing.length) throw new Error(`zod-for-ext-apps.ts lacks ${missing.join(", ")}, which ext-apps uses`);
      // Descriptions only feed JSON Schema generation, which a view never does.
      return { contents: code.replace(/\.describe\(("(?:[^"\\]|\\.)*"|`[^`$]*`)\)/g, ""), loader: "js" };
    });
  },
});

/** The members read from each `z` that app.js imports from "zod/v4". */
function zodMembersUsed(code: string): string[] {
  const names = [...code.matchAll(/import\s*\{\s*z\s+as\s+([\w$]+)\s*\}\s*from\s*"zod\/v4"/g)].map((m) => m[1]!);
  return [...new Set(names.flatMap((name) => [...code.matchAll(new RegExp(`(?<![\\w$.])${name.replaceAll("$", "\\$")}\\.(\\w+)`, "g"))].map((m) => m[1]!)))];
}

/** URLs in the libraries' strings (JSON Schema ids, examples) load nothing, but the page must not
 * contain any: inside a string, template or regex literal `\x3a` is the same colon. */
const withoutUrls = (js: string) => js.replace(/\b(https?):/gi, "$1\\x3a");

export async function buildPage(): Promise<string> {
  const root = packageRoot();
  const [script, style] = await Promise.all([
    build({
      entryPoints: [join(root, "src/app/view.ts")],
      bundle: true, write: false, minify: true, format: "iife", platform: "browser", target: "es2022",
      legalComments: "none", charset: "utf8", logLevel: "warning", plugins: [zodForExtApps(root)],
    }),
    readFile(join(root, "src/app/styles.css"), "utf8").then((css) => transform(css, { loader: "css", minify: true })),
  ]);
  // A "</script" inside the code would end the element early.
  const js = withoutUrls(script.outputFiles[0]!.text).replace(/<\/(script)/gi, "<\\/$1");
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`
    + `<meta name="color-scheme" content="light dark"><title>Batch diagnosis</title><style>${style.code.trim()}</style></head>`
    + `<body><main id="app" data-state="empty"><p class="placeholder">Waiting for a diagnosis…</p></main><script>${js}</script></body></html>`;
  if (/https?:/i.test(page)) throw new Error("the view page would contain a URL");
  return page;
}
