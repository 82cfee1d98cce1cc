// The page inside an MCP App host: ext-apps' App speaks the protocol (postMessage to the host).
// It shows the diagnose_batch result the host sends, follows the host's theme, and runs the
// read-only steps the user picks through the host (callServerTool).
import { App, applyDocumentTheme, applyHostStyleVariables } from "@modelcontextprotocol/ext-apps";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";
import { renderDiagnosis, renderError, renderWaiting, showRunStatus } from "./render.js";

const firstLine = (result: CallToolResult) => {
  const text = result.content.find((block) => block.type === "text");
  return text && "text" in text ? text.text.split("\n").find((line) => line.trim() && !line.startsWith("#")) ?? "" : "";
};

export async function connectToHost(root: HTMLElement): Promise<void> {
  const app = new App({ name: "mixpeek-batch-mcp diagnosis view", version: "1" });

  const show = (result: CallToolResult) => {
    if (result.isError || !result.structuredContent) {
      renderError(root, firstLine(result) || "diagnose_batch returned no structured result.");
      return;
    }
    renderDiagnosis(root, result.structuredContent as DiagnoseBatchResult, run);
  };

  const call = (name: string, args: Record<string, unknown>) => app.callServerTool({ name, arguments: args });

  /** Runs a read-only step, then shows the batch diagnosed afresh. */
  async function run(tool: string, args: Record<string, unknown>): Promise<void> {
    for (const button of root.querySelectorAll<HTMLButtonElement>("button[data-run]")) button.disabled = true;
    showRunStatus(root, `Running ${tool}…`);
    try {
      const result = await call(tool, args);
      if (tool === "diagnose_batch" && !result.isError) return show(result);
      const { bucket, batch_id: batchId } = args;
      if (result.isError || typeof bucket !== "string" || typeof batchId !== "string") {
        showRunStatus(root, `${tool}: ${firstLine(result) || "done"}`);
      } else {
        show(await call("diagnose_batch", { bucket, batch_id: batchId }));
        showRunStatus(root, `${tool}: ${firstLine(result) || "done"} Diagnosed again.`);
      }
    } catch (error) {
      showRunStatus(root, `${tool} could not run: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const button of root.querySelectorAll<HTMLButtonElement>("button[data-run]")) button.disabled = false;
  }

  const applyContext = (context: ReturnType<App["getHostContext"]>) => {
    if (context?.theme) applyDocumentTheme(context.theme);
    if (context?.styles?.variables) applyHostStyleVariables(context.styles.variables);
  };

  app.ontoolinput = ({ arguments: args }) => renderWaiting(root, typeof args?.["batch_id"] === "string" ? args["batch_id"] : undefined);
  app.ontoolresult = show;
  app.ontoolcancelled = () => renderError(root, "The diagnosis was cancelled.");
  app.onhostcontextchanged = applyContext;
  await app.connect();
  applyContext(app.getHostContext());
}
