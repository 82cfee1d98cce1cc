// The MCP App view of a diagnosis (the io.modelcontextprotocol/ui extension): diagnose_batch's
// tools/list entry points at a ui:// resource, and hosts that render apps show that page next to
// the result. The names are ext-apps' own (RESOURCE_MIME_TYPE, RESOURCE_URI_META_KEY; a test
// compares them), written out here so that starting the server loads neither ext-apps nor the page.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";

export const DIAGNOSIS_VIEW_URI = "ui://mixpeek-batch-mcp/diagnosis.html";
export const APP_MIME_TYPE = "text/html;profile=mcp-app";

/** The `_meta` of a tool shown by a view: the current key, and the flat one older hosts read
 * (ext-apps' registerAppTool sets both). */
export const viewMeta = (uri: string) => ({ ui: { resourceUri: uri }, "ui/resourceUri": uri });

export function registerDiagnosisView(server: McpServer): void {
  server.registerResource("diagnosis-view", DIAGNOSIS_VIEW_URI, {
    title: "Batch diagnosis view",
    description: "The page MCP App hosts show with diagnose_batch: tier DAG, stage timing, error groups, recent actions, recommendations.",
    mimeType: APP_MIME_TYPE,
  }, async (uri) => {
    // The page is some 100 KB: read only when a host asks for it.
    const { diagnosisPage } = await import("./page.js");
    return { contents: [{ uri: uri.href, mimeType: APP_MIME_TYPE, text: await diagnosisPage() }] };
  });
}
