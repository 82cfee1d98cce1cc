// The test host's script, bundled for the browser by esbuild (host.ts). It does what an MCP Apps
// host does with ext-apps' AppBridge: loads the view in a sandboxed srcdoc iframe, answers
// ui/initialize with its context, sends the tool input and result, and forwards the view's
// tools/call to the real server (through a function the Node side exposes).
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";
import type { CallToolRequest, CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export interface ShowParams {
  html: string;
  theme: "light" | "dark";
  input: Record<string, unknown>;
  /** Absent: the view is initialised and never gets a result. */
  result?: CallToolResult;
}

declare global {
  interface Window {
    /** Exposed by the Node side: runs tools/call on the real server. */
    hostCallTool(params: CallToolRequest["params"]): Promise<CallToolResult>;
    testHost: { show(params: ShowParams): Promise<void> };
  }
}

/** The shown view's channel, closed when the next view replaces it. */
let transport: PostMessageTransport | undefined;

async function show({ html, theme, input, result }: ShowParams): Promise<void> {
  await transport?.close();
  const iframe = document.createElement("iframe");
  iframe.id = "view";
  iframe.sandbox.add("allow-scripts"); // opaque origin: no storage, no access to the host
  document.body.replaceChildren(iframe);
  const bridge = new AppBridge(null, { name: "browser-test-host", version: "1" }, { serverTools: {} }, {
    hostContext: { theme, displayMode: "inline", availableDisplayModes: ["inline"], platform: "web", locale: "en-US" },
  });
  bridge.oncalltool = (params) => window.hostCallTool(params);
  bridge.onsizechange = ({ height }) => { if (height !== undefined) iframe.style.height = `${height}px`; };
  const initialized = new Promise<void>((resolve, reject) => {
    bridge.oninitialized = () => resolve();
    setTimeout(() => reject(new Error("the view sent no ui/notifications/initialized within 5 s")), 5000);
  });
  transport = new PostMessageTransport(iframe.contentWindow!, iframe.contentWindow!);
  await bridge.connect(transport);
  iframe.srcdoc = html; // after connect: the view's ui/initialize finds the bridge listening
  await initialized;
  await bridge.sendToolInput({ arguments: input });
  if (result) await bridge.sendToolResult(result);
}

window.testHost = { show };
