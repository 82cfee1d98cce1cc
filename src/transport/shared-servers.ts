// Stateless HTTP without a server per request: the requests of one credential (API key and
// namespace) share a connected server, kept for the most recently used credentials. Building a
// server (registering every tool) and closing it again cost as much as the call itself.
import type { Runtime } from "../mcp/runtime.js";
import { JsonExchange } from "./json-exchange.js";

export class SharedServers {
  /** Oldest first, as Map keeps insertion order: the first entry is the one to evict. */
  private readonly exchanges = new Map<string, Promise<JsonExchange>>();

  constructor(private readonly limit: number, private readonly build: (apiKey: string, namespace: string) => Runtime) {}

  /** The exchange of the credential's server, built on first use. */
  exchange(apiKey: string, namespace: string): Promise<JsonExchange> {
    const key = `${namespace}\n${apiKey}`;
    let exchange = this.exchanges.get(key);
    if (exchange) {
      this.exchanges.delete(key);
    } else {
      exchange = this.connect(apiKey, namespace);
      const failed = exchange;
      failed.catch(() => { if (this.exchanges.get(key) === failed) this.exchanges.delete(key); });
      // An evicted server is dropped, not closed: closing would abort calls it is still running.
      // It holds no socket or timer of its own (the connection pool is shared), so once its calls
      // finish nothing refers to it.
      if (this.exchanges.size >= this.limit) this.exchanges.delete(this.exchanges.keys().next().value!);
    }
    this.exchanges.set(key, exchange);
    return exchange;
  }

  private async connect(apiKey: string, namespace: string): Promise<JsonExchange> {
    const exchange = new JsonExchange();
    await this.build(apiKey, namespace).server.connect(exchange);
    return exchange;
  }
}
