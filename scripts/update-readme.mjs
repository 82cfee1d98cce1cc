// Rewrites the README's tool table from the built catalogue: `npm run readme` after `npm run build`.
import { readFileSync, writeFileSync } from "node:fs";
import { listTools, toolTable } from "../dist/src/mcp/catalogue.js";

const path = new URL("../README.md", import.meta.url);
const readme = readFileSync(path, "utf8");
const table = toolTable(await listTools());
const next = readme.replace(/<!-- tools:start -->[\s\S]*<!-- tools:end -->/, `<!-- tools:start -->\n${table}\n<!-- tools:end -->`);
writeFileSync(path, next);
console.log(next === readme ? "README tool table already up to date" : "README tool table updated");
