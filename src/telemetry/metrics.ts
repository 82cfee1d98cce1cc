// Prometheus metrics of an HTTP server (GET /metrics). Loaded only in HTTP mode, on first use.
// Every label value comes from a closed set: tool and operation names, the call outcomes and
// confirmation results of stages/telemetry.ts, HTTP statuses, "timeout" and "network".
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ApiObserver } from "../api/trace.js";
import type { CallWatch, Telemetry } from "../mcp/stages/telemetry.js";

export class Metrics implements Telemetry {
  private readonly registry = new Registry();
  private readonly registers = [this.registry];
  private readonly toolCalls = new Counter({
    name: "mixpeek_mcp_tool_calls_total", help: "Tool calls by tool and outcome.", labelNames: ["tool", "outcome"] as const, registers: this.registers,
  });
  private readonly inFlight = new Gauge({ name: "mixpeek_mcp_tool_calls_in_flight", help: "Tool calls running now.", registers: this.registers });
  private readonly confirmations = new Counter({
    name: "mixpeek_mcp_confirmations_total", help: "Confirmations of destructive calls: asked, accepted, refused.",
    labelNames: ["tool", "result"] as const, registers: this.registers,
  });
  private readonly deduplicated = new Counter({
    name: "mixpeek_mcp_deduplicated_calls_total", help: "Mutating calls answered from an identical recent call, not sent again.",
    labelNames: ["tool"] as const, registers: this.registers,
  });
  private readonly budgetRefusals = new Counter({
    name: "mixpeek_mcp_budget_refusals_total", help: "Mutating calls refused because a budget was exhausted.",
    labelNames: ["tool"] as const, registers: this.registers,
  });
  private readonly apiRequests = new Counter({
    name: "mixpeek_mcp_api_requests_total", help: "Requests to the Mixpeek API by operation and HTTP status (or timeout, network); each retry counts.",
    labelNames: ["operation", "status"] as const, registers: this.registers,
  });
  private readonly apiLatency = new Histogram({
    name: "mixpeek_mcp_api_request_duration_seconds", help: "Time to the Mixpeek API's answer, by operation.",
    labelNames: ["operation"] as const, buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: this.registers,
  });

  /** Counts every API request made while it observes (trace.ts): tool calls, resources, completions. */
  readonly api: ApiObserver = ({ operation, status, durationMs }) => {
    this.apiRequests.inc({ operation, status: String(status) });
    this.apiLatency.observe({ operation }, durationMs / 1000);
  };

  startCall(tool: string): CallWatch {
    this.inFlight.inc();
    return {
      end: ({ outcome, deduplicated, confirmations }) => {
        this.inFlight.dec();
        this.toolCalls.inc({ tool, outcome });
        for (const result of confirmations) this.confirmations.inc({ tool, result });
        if (deduplicated) this.deduplicated.inc({ tool });
        if (outcome === "budget_exhausted") this.budgetRefusals.inc({ tool });
      },
    };
  }

  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
