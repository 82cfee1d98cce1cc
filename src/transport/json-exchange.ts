// The fast path of stateless HTTP: one POST carries a JSON-RPC message, one JSON body answers it.
// Used for every request that did not ask for progress (those keep the SDK's SSE
// transport). It skips the SDK transport's conversion to web-standard Request/Response objects,
// which was a large share of each request's cost; the protocol layer still validates every
// message against the MCP schemas.
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  isJSONRPCErrorResponse, isJSONRPCNotification, isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage,
} from "@modelcontextprotocol/sdk/types.js";

type Id = string | number;

export class JsonExchange implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: Transport["onclose"];
  onerror?: Transport["onerror"];
  /** Requests in flight by the id the server sees, with the id their client gave. */
  private readonly waiting = new Map<number, { id: Id; answer: (response: JSONRPCMessage) => void }>();
  private lastId = 0;

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    // Responses go back to their POST; notifications and server requests have nowhere to go
    // without a stream (a client that wants progress gets the SSE transport instead).
    if (!isJSONRPCResultResponse(message) && !isJSONRPCErrorResponse(message)) return;
    // Keyed by the numbers exchange() gives: any other id finds nothing.
    const request = this.waiting.get(message.id as number);
    // Stryker disable next-line ConditionalExpression: every response the server sends answers a request exchange() delivered, which is waiting
    if (!request) return;
    this.waiting.delete(message.id as number);
    request.answer({ ...message, id: request.id });
  }

  async close(): Promise<void> {
    this.onclose?.();
  }

  /** Delivers the message of one POST; resolves with its response, or undefined for a notification.
   * Each request gets an id of its own on the way in, so that requests of many clients, which
   * all count their ids from 0, can share one server. */
  exchange(message: JSONRPCMessage): Promise<JSONRPCMessage | undefined> {
    if (!isJSONRPCRequest(message)) {
      // Stryker disable next-line OptionalChaining: exchange() is called only once the server is connected (onmessage set)
      this.onmessage?.(message);
      return Promise.resolve(undefined);
    }
    // Stryker disable next-line UpdateOperator: the ids only need to be distinct
    const id = ++this.lastId;
    const answer = new Promise<JSONRPCMessage>((resolve) => { this.waiting.set(id, { id: message.id, answer: resolve }); });
    // Stryker disable next-line OptionalChaining: exchange() is called only once the server is connected (onmessage set)
    this.onmessage?.({ ...message, id });
    return answer;
  }
}

/** The POST body as a message we can take (a request or a notification), else undefined. */
export const asMessage = (body: unknown): JSONRPCMessage | undefined =>
  (isJSONRPCRequest(body) || isJSONRPCNotification(body) ? body : undefined);
