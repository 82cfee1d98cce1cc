// Bundles the CLI and everything it imports into one ESM file: the published bin. One file
// loads much faster than hundreds of modules, which is what a client launching a stdio server
// on every conversation pays for. The emulator is imported lazily and evaluated only when used.
import { build } from "esbuild";
import { listTools } from "../dist/src/mcp/catalogue.js";

// Converting 17 tools' zod schemas to JSON Schema is most of the first tools/list; do it here,
// once, from the tsc output of the same source (a test compares the bundle's list with it).
const listing = Object.fromEntries((await listTools()).map(({ name, title, description, inputSchema, outputSchema, annotations }) =>
  [name, { name, title, description, inputSchema, outputSchema, annotations }]));

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/mixpeek-batch-mcp.mjs",
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
  define: { __TOOL_LISTING__: JSON.stringify(listing) },
  logLevel: "warning",
});
