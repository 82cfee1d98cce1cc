// The fast path of stateless HTTP: one POST carries JSON-RPC messages, one JSON body answers
// them. Used for every request that did not ask for progress (those keep the SDK's SSE
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
  private readonly waiting = new Map<Id, (response: JSONRPCMessage) => void>();

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    // Responses go back to their POST; notifications and server requests have nowhere to go
    // without a stream (a client that wants progress gets the SSE transport instead).
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      const id = message.id;
      if (id !== undefined) this.waiting.get(id)?.(message);
    }
  }

  async close(): Promise<void> {
    this.onclose?.();
  }

  /** Delivers the messages of one POST and resolves with the responses to its requests, in order. */
  exchange(messages: JSONRPCMessage[]): Promise<JSONRPCMessage[]> {
    const answers = messages.filter(isJSONRPCRequest).map((request) =>
      new Promise<JSONRPCMessage>((resolve) => { this.waiting.set(request.id, resolve); }));
    for (const message of messages) this.onmessage?.(message);
    return Promise.all(answers);
  }
}

/** Whether a POST body is JSON-RPC we can take: requests and notifications only. */
export function asMessages(body: unknown): JSONRPCMessage[] | undefined {
  const messages = Array.isArray(body) ? body : [body];
  return messages.length > 0 && messages.every((m) => isJSONRPCRequest(m) || isJSONRPCNotification(m))
    ? (messages as JSONRPCMessage[])
    : undefined;
}
