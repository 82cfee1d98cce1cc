// A transport wrapper that knows which requests are still unanswered, so a shutdown can wait for
// them: on SIGTERM a stdio server refuses new requests, lets the calls it started finish (their
// results reach the client and the audit file), and only then exits.
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  isJSONRPCErrorResponse, isJSONRPCNotification, isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage,
} from "@modelcontextprotocol/sdk/types.js";

type Id = string | number;

export class InFlightTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: Transport["onclose"];
  onerror?: Transport["onerror"];
  private readonly pending = new Set<Id>();
  private draining = false;
  private onIdle: (() => void) | undefined;

  constructor(private readonly inner: Transport) {}

  /** Requests received and not yet answered. */
  get inFlight(): number { return this.pending.size; }

  async start(): Promise<void> {
    this.inner.onmessage = (message, extra) => {
      if (isJSONRPCRequest(message)) {
        if (this.draining) {
          void this.inner.send({ jsonrpc: "2.0", id: message.id, error: { code: -32000, message: "The server is shutting down; send the request again once it is back." } })
            .catch(() => {});
          return;
        }
        this.pending.add(message.id);
      } else if (isJSONRPCNotification(message) && message.method === "notifications/cancelled") {
        // A cancelled request gets no answer: stop waiting for one.
        const id = (message.params as { requestId?: Id } | undefined)?.requestId;
        if (id !== undefined) this.settle(id);
      }
      this.onmessage?.(message, extra);
    };
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    await this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    try {
      await this.inner.send(message, options);
    } finally {
      // Settled once written (or once writing failed): the answer is out of our hands.
      if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
        if (message.id !== undefined) this.settle(message.id);
      }
    }
  }

  close(): Promise<void> { return this.inner.close(); }

  /** Refuses new requests from now on and resolves once every request in flight is answered
   * (true) or after `graceMs` (false). */
  drain(graceMs: number): Promise<boolean> {
    this.draining = true;
    if (this.pending.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.onIdle = undefined; resolve(false); }, graceMs);
      this.onIdle = () => { clearTimeout(timer); this.onIdle = undefined; resolve(true); };
    });
  }

  private settle(id: Id): void {
    if (this.pending.delete(id) && this.pending.size === 0) this.onIdle?.();
  }
}
