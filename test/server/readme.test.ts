// The README is the front door: what it lists must match what the code has, so a scenario or an
// emulator variant added without its README line fails here (CONTRIBUTING.md).
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { SCENARIOS, VARIANT_NAMES } from "../../src/emulator/index.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const section = (heading: string) => readme.slice(readme.indexOf(heading), readme.indexOf("\n## ", readme.indexOf(heading) + heading.length));

it("shows every sandbox scenario in the triage matrix", () => {
  const matrix = section("### Triage, measured");
  for (const scenario of SCENARIOS) expect(matrix, scenario).toMatch(new RegExp(`\\| [^|]*\\b${scenario}\\b`));
});

it("names every emulator variant where --variant is described", () => {
  const row = readme.split("\n").find((line) => line.startsWith("| `--variant NAME`"))!;
  expect(row).toBeDefined();
  for (const variant of VARIANT_NAMES) expect(row, variant).toContain(`\`${variant}\``);
  for (const variant of VARIANT_NAMES) expect(section("### Reading the real API"), variant).toContain(`\`${variant}\``);
});

it("describes every Development command that package.json defines", () => {
  const scripts = Object.keys((JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { scripts: Record<string, string> }).scripts);
  const development = section("## Development");
  for (const script of scripts.filter((s) => !["prepare", "start", "emulator", "typecheck"].includes(s))) {
    expect(development, script).toMatch(new RegExp(`npm (run )?${script}\\b`));
  }
});
