// OpenTelemetry traces, sent as OTLP/HTTP JSON when an OTLP endpoint is configured: one span per
// tool call, a child span per API request. Loaded only then. Spans carry names, outcomes, HTTP
// statuses and the API's request ids; never arguments, batch ids or keys.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { ApiExchange } from "../api/trace.js";
import { OPERATIONS } from "../api/operations.js";
import type { CallWatch, Telemetry } from "../mcp/stages/telemetry.js";
import { NAME, VERSION } from "../util/version.js";

/** How long a shutdown waits for the last spans to be sent. */
const FLUSH_MS = 3_000;

export class Tracing implements Telemetry {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;

  /** `url`: where spans are POSTed (…/v1/traces). */
  constructor(url: string) {
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": NAME, "service.version": VERSION }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url, timeoutMillis: FLUSH_MS }))],
    });
    this.tracer = this.provider.getTracer(NAME, VERSION);
  }

  startCall(tool: string): CallWatch {
    const span = this.tracer.startSpan(`tools/call ${tool}`, {
      kind: SpanKind.SERVER,
      attributes: { "mcp.method.name": "tools/call", "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool },
    }, ROOT_CONTEXT);
    const parent = trace.setSpan(ROOT_CONTEXT, span);
    return {
      request: (exchange) => this.requestSpan(exchange, parent),
      end: ({ outcome, deduplicated }) => {
        span.setAttributes({ "mixpeek.outcome": outcome, "mixpeek.deduplicated": deduplicated });
        if (outcome === "error") span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    };
  }

  /** A span for a request that already ended, with its own start and end times. */
  private requestSpan({ operation, status, startedAt, durationMs, requestId }: ApiExchange, parent: typeof ROOT_CONTEXT): void {
    const span = this.tracer.startSpan(`mixpeek ${operation}`, {
      kind: SpanKind.CLIENT,
      startTime: startedAt,
      attributes: {
        "mixpeek.operation": operation,
        "http.request.method": OPERATIONS[operation].method,
        ...(typeof status === "number" ? { "http.response.status_code": status } : { "error.type": status }),
        ...(requestId ? { "mixpeek.request_id": requestId } : {}),
      },
    }, parent);
    if (typeof status !== "number" || status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(startedAt + durationMs);
  }

  /** Sends the spans not yet sent; gives up after FLUSH_MS so a dead collector cannot hold a shutdown. */
  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.provider.shutdown().catch(() => undefined),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, FLUSH_MS); }),
    ]);
    clearTimeout(timer);
  }
}
