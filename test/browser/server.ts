// The real server side of the browser tests: what a host learns from tools/list and
// resources/read, and a real diagnose_batch result for one sandbox scenario.
import { expect } from "vitest";
import { getToolUiResourceUri, RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/app-bridge";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ScenarioName } from "../../src/emulator/index.js";
import { startHarness, type Harness } from "../harness.js";
import type { Diagnosis } from "./view-contract.js";

/** The view page as a host gets it: diagnose_batch's `_meta.ui.resourceUri`, then resources/read. */
export async function viewPage(client: Client): Promise<string> {
  const { tools } = await client.listTools();
  const uri = getToolUiResourceUri(tools.find((t) => t.name === "diagnose_batch")!);
  expect(uri).toMatch(/^ui:\/\//);
  const { contents } = await client.readResource({ uri: uri! });
  expect(contents[0]?.mimeType).toBe(RESOURCE_MIME_TYPE);
  return (contents[0] as { text: string }).text;
}

/** Tools the view may run from its page: the read-only ones. */
export async function readOnlyTools(client: Client): Promise<Set<string>> {
  const { tools } = await client.listTools();
  return new Set(tools.filter((t) => t.annotations?.readOnlyHint === true).map((t) => t.name));
}

export interface Diagnosed {
  h: Harness;
  args: { bucket: string; batch_id: string };
  result: CallToolResult & { structuredContent: Diagnosis };
}

/** A server on an emulator seeded with `scenario` alone (its batch as seeded), and its diagnosis. */
export async function diagnoseScenario(scenario: ScenarioName): Promise<Diagnosed> {
  const h = await startHarness({ emulator: { scenarios: [scenario] } });
  const args = { bucket: h.bucket, batch_id: h.batches[scenario] };
  const result = await h.call("diagnose_batch", args);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return { h, args, result: result as Diagnosed["result"] };
}
