// Fast start over stdio: initialize, tools/list and ping are answered from what the build put in
// the bin (the greeting and the tool list), and the server proper (tools, API client, undici,
// safety) is loaded only when a request needs it. A client that starts a server per conversation
// pays for the first tools/list, not for code it may never run. The server proper then sees the
// same session: the client's initialize is replayed to it (its answer dropped: the client already
// has one), then notifications/initialized, then every message that waited, in order.
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, isJSONRPCNotification, isJSONRPCRequest,
  type Implementation, type JSONRPCMessage, type JSONRPCRequest, type ServerCapabilities, type Tool,
} from "@modelcontextprotocol/sdk/types.js";

/** What the server proper answers to initialize, computed at build time (scripts/bundle.mjs). */
export interface Greeting { serverInfo: Implementation; capabilities: ServerCapabilities; instructions: string }

const REPLAYED_INITIALIZE = "deferred-start:initialize";

export class DeferredStart implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: Transport["onclose"];
  onerror?: Transport["onerror"];
  private readonly waiting: JSONRPCMessage[] = [];
  private initialize: JSONRPCRequest | undefined;
  private initialized = false;
  private connected = false;
  private loading: Promise<void> | undefined;

  /** `load` connects the server proper to this transport (which calls start()). */
  constructor(
    private readonly inner: Transport,
    private readonly greeting: Greeting,
    private readonly tools: Tool[],
    private readonly load: (transport: DeferredStart) => Promise<void>,
    private readonly onLoadError: (error: unknown) => void,
  ) {}

  /** Reads the client before the server proper exists. */
  async listen(): Promise<void> {
    this.inner.onmessage = (message, extra) => (this.connected ? this.onmessage?.(message, extra) : this.receive(message));
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    await this.inner.start();
  }

  /** Whether the server proper was loaded (a request needed it). */
  get loaded(): boolean { return this.connected; }

  private receive(message: JSONRPCMessage): void {
    if (isJSONRPCRequest(message) && message.method === "initialize" && !this.initialize) {
      this.initialize = message;
      const requested = (message.params as { protocolVersion?: string } | undefined)?.protocolVersion ?? "";
      const protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
      this.reply(message, { protocolVersion, ...this.greeting });
      return;
    }
    if (isJSONRPCNotification(message) && message.method === "notifications/initialized") {
      this.initialized = true;
      return;
    }
    if (isJSONRPCRequest(message) && message.method === "tools/list") return this.reply(message, { tools: this.tools });
    if (isJSONRPCRequest(message) && message.method === "ping") return this.reply(message, {});
    this.waiting.push(message);
    this.loading ??= this.load(this).catch((error: unknown) => this.onLoadError(error));
  }

  private reply(request: JSONRPCRequest, result: Record<string, unknown>): void {
    void this.inner.send({ jsonrpc: "2.0", id: request.id, result }).catch((error: unknown) => this.onerror?.(error as Error));
  }

  /** Called by the server proper's connect(): hand it the session so far. */
  async start(): Promise<void> {
    this.connected = true;
    if (this.initialize) this.onmessage?.({ ...this.initialize, id: REPLAYED_INITIALIZE });
    if (this.initialized) this.onmessage?.({ jsonrpc: "2.0", method: "notifications/initialized" });
    for (const message of this.waiting.splice(0)) this.onmessage?.(message);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ("id" in message && message.id === REPLAYED_INITIALIZE) return;
    await this.inner.send(message, options);
  }

  close(): Promise<void> { return this.inner.close(); }
}
