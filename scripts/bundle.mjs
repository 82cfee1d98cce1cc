// Bundles the CLI and everything it imports into one ESM file: the published bin. One file
// loads much faster than hundreds of modules, which is what a client launching a stdio server
// on every conversation pays for. What only some runs need (the server proper, the emulator, HTTP)
// is imported lazily and evaluated only when used.
import { rmSync } from "node:fs";
import { build } from "esbuild";
import { TOOLS } from "../dist/tools/index.js";
import { listTools, serverGreeting } from "../dist/src/mcp/catalogue.js";
import { buildPage } from "../dist/src/app/build-page.js";

// Converting the tools' zod schemas to JSON Schema is most of the first tools/list; do it here,
// once, from the tsc output of the same source (a test compares the bundle's list with it). The
// greeting lets the bin answer initialize before loading the server proper (deferred-start.ts).
const toolsetOf = new Map(TOOLS.map((tool) => [tool.name, tool.toolset]));
const catalogue = (await listTools()).map(({ name, title, description, inputSchema, outputSchema, annotations, _meta }) => ({
  name, toolset: toolsetOf.get(name), annotations, listing: { name, title, description, inputSchema, outputSchema, annotations, ...(_meta ? { _meta } : {}) },
}));
const greeting = await serverGreeting();
// The MCP App view (src/app), as the one HTML string a resources/read returns.
const page = await buildPage();

// Chunk names change with their content: drop the last build's, which nothing loads any more.
rmSync("dist/chunks", { recursive: true, force: true });
rmSync("dist/mixpeek-batch-mcp.mjs.LEGAL.txt", { force: true });

await build({
  entryPoints: { "mixpeek-batch-mcp": "src/cli/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  // Split: what is imported lazily is neither read nor compiled until used.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "linked",
  banner: {
    // Bundled CommonJS dependencies call require(); give them one. (The shebang comes from cli.ts.)
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  define: { __TOOL_CATALOGUE__: JSON.stringify(catalogue), __GREETING__: JSON.stringify(greeting), __DIAGNOSIS_PAGE__: JSON.stringify(page) },
  // The bin carries the built page, so the page builder (and esbuild) stay out of it.
  plugins: [{ name: "no-page-builder", setup: (b) => b.onResolve({ filter: /[\\/]build-page\.js$/ }, ({ path }) => ({ path, external: true })) }],
  logLevel: "warning",
});
