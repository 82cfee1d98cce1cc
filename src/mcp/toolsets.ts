// Toolsets: groups of tools a deployment turns on together (--toolsets, MIXPEEK_TOOLSETS), so an
// agent that only triages is not paid for ingest and admin tools in every conversation. Each tool
// names its toolset; the selection also applies --tools, --read-only and --disable-destructive.
import type { ServerConfig } from "../cli/config.js";

export const TOOLSETS = ["triage", "ingest", "admin"] as const;
export type Toolset = (typeof TOOLSETS)[number];
export const DEFAULT_TOOLSETS: readonly Toolset[] = ["triage", "ingest"];

type Selection = Pick<ServerConfig, "toolsets" | "readOnly" | "disableDestructive" | "tools">;
/** A tool definition, or its entry in the bin's prebuilt catalogue. */
interface Selectable { name: string; toolset: Toolset; annotations: { readOnlyHint?: boolean | undefined; destructiveHint?: boolean | undefined } }

/** The tools a configuration serves, in catalogue order. */
export function selectTools<T extends Selectable>(tools: readonly T[], config: Selection): T[] {
  return tools.filter((tool) =>
    config.toolsets.includes(tool.toolset)
    && (!config.readOnly || tool.annotations.readOnlyHint)
    && (!config.disableDestructive || !tool.annotations.destructiveHint)
    && (!config.tools || config.tools.includes(tool.name)));
}

/** What is wrong with a selection, in words with the fix: tools named outside the enabled
 * toolsets, or flags that leave nothing to serve. */
export function selectionProblems(tools: readonly Selectable[], config: Selection): string[] {
  const outside = tools.filter((tool) => config.tools?.includes(tool.name) && !config.toolsets.includes(tool.toolset));
  if (outside.length) {
    const needed = [...new Set([...config.toolsets, ...outside.map((t) => t.toolset)])];
    return [`--tools names ${outside.map((t) => `${t.name} (toolset ${t.toolset})`).join(", ")} outside the enabled toolsets (${config.toolsets.join(",")}): add --toolsets ${needed.join(",")}.`];
  }
  if (selectTools(tools, config).length) return [];
  const flags = [
    `--toolsets ${config.toolsets.join(",")}`,
    config.readOnly && "--read-only",
    config.disableDestructive && "--disable-destructive",
    config.tools && `--tools ${config.tools.join(",")}`,
  ].filter(Boolean);
  return [`${flags.join(" with ")} leave no tool to serve: drop one of them, or name tools they allow (mixpeek-batch-mcp list-tools shows each tool's toolset and kind).`];
}
