// What the build computes once and puts in the bin (scripts/bundle.mjs): every tool's tools/list
// entry with its toolset, and the server's answer to initialize. Undefined when the tsc output
// runs (tests, the unbundled bench row), where they are computed at run time.
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Greeting } from "../transport/deferred-start.js";
import type { Toolset } from "./toolsets.js";

export interface CatalogueEntry { name: string; toolset: Toolset; annotations: NonNullable<Tool["annotations"]>; listing: Tool }

declare const __TOOL_CATALOGUE__: CatalogueEntry[] | undefined;
declare const __GREETING__: Greeting | undefined;

export const PREBUILT_CATALOGUE = typeof __TOOL_CATALOGUE__ === "undefined" ? undefined : __TOOL_CATALOGUE__;
export const PREBUILT_GREETING = typeof __GREETING__ === "undefined" ? undefined : __GREETING__;
