// Wires tools into an MCP server: which tools are listed (read-only, disable-destructive, allow
// list), the confirmation gate of destructive tools, progress, error text and the text rendering.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { ListToolsRequestSchema, type CallToolResult, type ServerNotification, type ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { BadRequestError, ConflictError } from "./api/errors.js";
import type { MixpeekApi } from "./api/resources.js";
import type { ServerConfig } from "./config.js";
import { ConfirmationTokens } from "./confirm.js";
import type { Logger } from "./log.js";
import { diagnoseStep } from "./domain/recommend.js";
import { registerPrompts } from "./prompts.js";
import { renderResult } from "./render.js";
import { batchIdCompleter, registerResources } from "./resources.js";
import { CONFIRMATION_REQUIRED, toolListing, type ToolContext, type ToolDefinition } from "./tool.js";
import { ToolRefusal, describeError, redact } from "./tool-errors.js";
import { NAME, VERSION } from "./version.js";

export interface SandboxInfo { bucketId: string; bucketName: string; namespace: string }

export interface ServerDeps {
  config: ServerConfig;
  api: MixpeekApi;
  tools: readonly ToolDefinition[];
  logger: Logger;
  tokens?: ConfirmationTokens;
  sandbox?: SandboxInfo | undefined;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The tools this configuration exposes; a hidden tool is not even listed. */
export function selectTools(tools: readonly ToolDefinition[], config: Pick<ServerConfig, "readOnly" | "disableDestructive" | "tools">): ToolDefinition[] {
  return tools.filter((tool) =>
    (!config.readOnly || tool.annotations.readOnlyHint)
    && (!config.disableDestructive || !tool.annotations.destructiveHint)
    && (!config.tools || config.tools.includes(tool.name)));
}

export function instructions(sandbox: SandboxInfo | undefined): string {
  const base = "Operate Mixpeek batch processing. Start with list_batches {bucket} or diagnose_batch {bucket, batch_id}; "
    + "each result carries `recommendations`, best first, and one that names a tool gives its complete arguments. "
    + "Destructive tools (cancel_*, kill_duplicate_jobs) ask for confirmation before changing anything; after a change, watch with wait_for_batch.";
  return sandbox
    ? `${base} Sandbox mode: bucket "${sandbox.bucketName}" (${sandbox.bucketId}) in namespace ${sandbox.namespace} holds seeded incident scenarios; start with list_batches {"bucket":"${sandbox.bucketName}"}.`
    : base;
}

export function createServer(deps: ServerDeps): McpServer {
  const { config, api, logger } = deps;
  const tokens = deps.tokens ?? new ConfirmationTokens();
  const server = new McpServer(
    { name: NAME, version: VERSION, title: "Mixpeek batch operations" },
    { capabilities: { logging: {} }, instructions: instructions(deps.sandbox) },
  );
  const secrets = config.apiKey ? [config.apiKey] : [];
  /** Log to stderr and, when a client is connected, as an MCP logging notification. */
  const log = (level: "info" | "warning", message: string) => {
    logger.log(level, message);
    if (server.isConnected()) {
      server.sendLoggingMessage({ level, logger: NAME, data: redact(message, secrets) }).catch(() => undefined);
    }
  };

  const selected = selectTools(deps.tools, config);
  for (const tool of selected) {
    server.registerTool(tool.name, {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputShape,
      outputSchema: tool.outputShape,
      annotations: { title: tool.title, ...tool.annotations },
    }, async (args: Record<string, unknown>, extra: Extra): Promise<CallToolResult> => {
      const ctx = toolContext(extra);
      const readOnly = tool.annotations.readOnlyHint;
      try {
        const { confirm_token: token, ...callArgs } = args;
        const early = tool.plan && config.confirm !== "none"
          ? await confirmationGate(tool, callArgs, typeof token === "string" ? token : undefined, ctx)
          : undefined;
        const result = early ?? await tool.run(callArgs, ctx);
        if (!readOnly && !early) log("info", `${tool.name} ${JSON.stringify(callArgs)} → ${String(result["outcome"] ?? "done")}`);
        return { structuredContent: result, content: [{ type: "text", text: renderResult(tool.title, result) }] };
      } catch (error) {
        // An invalid state transition is a domain answer, not a failure: nothing changed.
        if (!readOnly && (error instanceof BadRequestError || error instanceof ConflictError)) {
          const result = { outcome: "refused", reason: error.message, recommendations: readFirst(args) };
          return { structuredContent: result, content: [{ type: "text", text: renderResult(tool.title, result) }] };
        }
        const text = describeError(error, { tool: tool.name, args, readOnly, namespace: config.namespace, secrets });
        log("warning", text.split("\n")[0]!);
        return { isError: true, content: [{ type: "text", text }] };
      }
    });
  }

  const completeBatchId = batchIdCompleter(api, deps.sandbox?.bucketName);
  registerPrompts(server, completeBatchId);
  const byName = (name: string) => deps.tools.find((t) => t.name === name)!;
  registerResources(server, { getBatch: byName("get_batch"), diagnoseBatch: byName("diagnose_batch") }, (extra) => toolContext(extra as Extra), completeBatchId, deps.sandbox?.bucketName);

  // Serve the precomputed listing instead of converting every schema on every tools/list.
  const listing = selected.map(toolListing);
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing }));

  function toolContext(extra: Extra): ToolContext {
    const progressToken = extra._meta?.progressToken;
    return {
      api,
      config,
      signal: extra.signal,
      progress: async (progress, total, message) => {
        if (progressToken === undefined) return;
        await extra.sendNotification({
          method: "notifications/progress",
          params: { progressToken, progress, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) },
        });
      },
    };
  }

  /** Returns a result that replaces the call (plan to confirm, declined, nothing to do), or
   * undefined when the call may proceed. */
  async function confirmationGate(
    tool: ToolDefinition, args: Record<string, unknown>, token: string | undefined, ctx: ToolContext,
  ): Promise<Record<string, unknown> | undefined> {
    const planned = await tool.plan!(args, ctx);
    if ("result" in planned) return planned.result;
    const { plan } = planned;
    const namespace = config.namespace ?? "";
    if (token) {
      const verdict = tokens.verify(token, tool.name, args, namespace, plan.fingerprint);
      if (!verdict.ok) {
        throw new ToolRefusal(`${verdict.reason} Nothing was changed. Call ${tool.name} again without confirm_token for a fresh plan.`);
      }
      return undefined;
    }
    const affects = plan.affects.length ? plan.affects.join("; ") : "nothing else";
    if (config.confirm === "elicit" && server.server.getClientCapabilities()?.elicitation) {
      const answer = await server.server.elicitInput({
        message: `${plan.action}: ${plan.target}. This stops: ${affects}. It cannot be undone. Proceed?`,
        requestedSchema: {
          type: "object",
          properties: { confirm: { type: "boolean", title: `Yes, ${plan.action.toLowerCase()}`, description: plan.target } },
          required: ["confirm"],
        },
      }, { signal: ctx.signal });
      if (answer.action === "accept" && answer.content?.["confirm"] === true) return undefined;
      return { outcome: "declined", plan: { action: plan.action, target: plan.target, affects: plan.affects, expires_at: new Date().toISOString() } };
    }
    const issued = tokens.issue(tool.name, args, namespace, plan.fingerprint);
    return {
      outcome: CONFIRMATION_REQUIRED,
      confirm_token: issued.token,
      plan: { action: plan.action, target: plan.target, affects: plan.affects, expires_at: new Date(issued.expiresAt).toISOString() },
    };
  }

  return server;
}

/** After a refusal, look before acting again. */
function readFirst(args: Record<string, unknown>) {
  const { bucket, batch_id } = args;
  return typeof bucket === "string" && typeof batch_id === "string"
    ? [diagnoseStep({ bucket, batch_id }, "The API refused the change in the batch's current state; diagnose_batch shows that state and what can be done now.")]
    : [];
}
