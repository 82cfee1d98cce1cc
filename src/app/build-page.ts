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

/** The SDK's types.js builds some 170 top-level consts, nearly all zod schemas; esbuild cannot tell
 * those calls have no side effects, so it would keep every one, though the page uses a fraction. */
const pureSdkSchemas: Plugin = {
  name: "pure-sdk-schemas",
  setup(build) {
    build.onLoad({ filter: /[\\/]@modelcontextprotocol[\\/]sdk[\\/]dist[\\/]esm[\\/]types\.js$/ }, async ({ path }) =>
      ({ contents: pureTopLevelConsts(await readFile(path, "utf8"), path), loader: "js" }));
  },
};

/** Wraps each top-level `const X = <expr>;` in tsc's output as `const X = /* @__PURE__ *\/ (() => <expr>)();`
 * (same value, same order), so an unused one drops out. A statement there starts at column 0 and
 * its continuation lines are indented or start with a closing bracket. Throws when a declaration
 * does not fit that layout, so a change in the SDK fails the build instead of bloating the page. */
export function pureTopLevelConsts(code: string, file: string): string {
  const statements = code.split(/^(?=[^\s})\].])/m);
  let wrapped = 0;
  const out = statements.map((statement) => {
    if (!/^(export )?const /.test(statement)) return statement;
    const m = /^((?:export )?const [\w$]+ = )([\s\S]*);(\s*)$/.exec(statement);
    if (!m) throw new Error(`${file}: a top-level const is not one \`const X = <expr>;\` statement: ${statement.slice(0, 80)}`);
    wrapped++;
    return `${m[1]}/* @__PURE__ */ (() => ${m[2]})();${m[3]}`;
  }).join("");
  if (wrapped < 100) throw new Error(`${file}: only ${wrapped} top-level consts marked pure; has its layout changed?`);
  return out;
}

/** zod's classic schemas carry JSON Schema generation (some 16 KB of the page): every schema type
 * points at its processor, and `toJSONSchema()` and `~standard.jsonSchema` at the generator. The
 * page never generates JSON Schema (ext-apps only does for tools an app registers, and the view
 * registers none), so those become a function that throws, and the generator drops out. */
const noZodJsonSchema: Plugin = {
  name: "no-zod-json-schema",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]classic[\\/]schemas\.js$/ }, async ({ path }) =>
      ({ contents: withoutJsonSchema(await readFile(path, "utf8"), path), loader: "js" }));
  },
};

export function withoutJsonSchema(code: string, file: string): string {
  const generatorImport = `import { createStandardJSONSchemaMethod, createToJSONSchemaMethod } from "../core/to-json-schema.js";`;
  const processor = /\bprocessors\.\w+Processor\b/g;
  const processors = code.match(processor)?.length ?? 0;
  if (!code.includes(generatorImport) || processors < 30) {
    throw new Error(`${file}: no longer has the JSON Schema hooks the page builder removes (${processors} processors); has zod changed?`);
  }
  const unavailable = `const noJsonSchema = () => { throw new Error("this page leaves out zod's JSON Schema generation"); };\n`
    + "const createStandardJSONSchemaMethod = () => noJsonSchema, createToJSONSchemaMethod = () => noJsonSchema;";
  return code.replace(generatorImport, unavailable).replace(processor, "noJsonSchema");
}

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
      legalComments: "none", charset: "utf8", logLevel: "warning", plugins: [zodForExtApps(root), pureSdkSchemas, noZodJsonSchema],
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
