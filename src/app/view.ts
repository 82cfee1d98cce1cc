// The page's entry. A report file (the report command) carries its diagnosis in
// <script type="application/json" id="diagnosis"> and is drawn at once, without a host;
// otherwise the page waits for an MCP App host to send diagnose_batch's result.
import type { DiagnoseBatchResult } from "../../tools/diagnose-batch.js";
import { connectToHost } from "./host.js";
import { renderDiagnosis, renderError } from "./render.js";

const root = document.getElementById("app")!;
const embedded = document.getElementById("diagnosis");

if (embedded) {
  try {
    renderDiagnosis(root, JSON.parse(embedded.textContent ?? "") as DiagnoseBatchResult, undefined);
  } catch (error) {
    renderError(root, `This report's diagnosis could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
} else {
  connectToHost(root).catch((error: unknown) => renderError(root, `Could not connect to the host: ${error instanceof Error ? error.message : String(error)}`));
}
