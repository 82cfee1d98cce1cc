// One error class per failure kind, each carrying what a human or an agent needs to decide the
// next step: HTTP status, the API's error type, the request id, and whether retrying can help.
import { recordShape } from "./trace.js";
import { ErrorEnvelope, FastApiDetail, FastApiValidation } from "./wire.js";

export interface ApiErrorInit {
  message: string;
  status?: number | undefined;
  errorType?: string | undefined;
  requestId?: string | undefined;
  operation?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

export abstract class MixpeekApiError extends Error {
  readonly status: number | undefined;
  readonly errorType: string | undefined;
  readonly requestId: string | undefined;
  readonly operation: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Whether sending the same request again may succeed. */
  abstract readonly retryable: boolean;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = new.target.name;
    this.status = init.status;
    this.errorType = init.errorType;
    this.requestId = init.requestId;
    this.operation = init.operation;
    this.details = init.details;
  }
}

export class AuthenticationError extends MixpeekApiError { readonly retryable = false; }
export class PermissionDeniedError extends MixpeekApiError { readonly retryable = false; }
export class NotFoundError extends MixpeekApiError { readonly retryable = false; }
export class BadRequestError extends MixpeekApiError { readonly retryable = false; }
export class ConflictError extends MixpeekApiError { readonly retryable = false; }

export interface FieldError { location: (string | number)[]; message: string; type?: string | undefined }
export class ValidationError extends MixpeekApiError {
  readonly retryable = false;
  constructor(init: ApiErrorInit, readonly fieldErrors: FieldError[]) { super(init); }
}

export class RateLimitError extends MixpeekApiError {
  readonly retryable = true;
  constructor(init: ApiErrorInit, readonly retryAfterMs: number | undefined) { super(init); }
}

export class ServerError extends MixpeekApiError { readonly retryable = true; }

/** No (complete) response within MIXPEEK_TIMEOUT_MS. For a POST the outcome is unknown. */
export class TimeoutError extends MixpeekApiError {
  readonly retryable = true;
  constructor(init: ApiErrorInit, readonly outcomeUnknown: boolean) { super(init); }
}

/** The connection failed. `outcomeUnknown` when a POST may have reached the server; `code` is
 * the system's. A host name that does not exist (ENOTFOUND) will not exist on a retry either. */
export class ConnectionError extends MixpeekApiError {
  readonly retryable: boolean;
  constructor(init: ApiErrorInit, readonly outcomeUnknown: boolean, readonly code?: string) {
    super(init);
    this.retryable = code !== "ENOTFOUND";
  }
}

/** The API answered 2xx with a body we cannot read (not JSON, or not the expected shape). */
export class BadResponseError extends MixpeekApiError { readonly retryable = false; }

/** Builds the typed error for a non-2xx response from its status and (maybe JSON) body. */
export function errorFromResponse(
  status: number,
  body: unknown,
  context: { requestId?: string | undefined; operation: string; retryAfterMs?: number | undefined },
): MixpeekApiError {
  const envelope = ErrorEnvelope.safeParse(body);
  const fastApi = FastApiValidation.safeParse(body);
  const detail = FastApiDetail.safeParse(body);
  if (fastApi.success || detail.success) recordShape("errors in FastAPI's detail form");
  const apiMessage = envelope.success ? envelope.data.error.message ?? undefined : detail.success ? detail.data.detail : undefined;
  const init: ApiErrorInit = {
    message: apiMessage ?? `HTTP ${status}`,
    status,
    errorType: envelope.success ? envelope.data.error.type ?? undefined : undefined,
    requestId: context.requestId,
    operation: context.operation,
    details: envelope.success ? envelope.data.error.details ?? undefined : undefined,
  };
  if (status === 422 || (status === 400 && (fastApi.success || init.errorType === "ValidationError"))) {
    const fieldErrors = fastApi.success
      ? fastApi.data.detail.map((d) => ({ location: d.loc ?? [], message: d.msg ?? "invalid", type: d.type ?? undefined }))
      : validationErrorsFromEnvelope(init.details);
    init.errorType ??= "ValidationError";
    if (!apiMessage || apiMessage === "Validation error") {
      init.message = fieldErrors.length
        ? `Validation error: ${fieldErrors.map((e) => `${e.location.join(".")}: ${e.message}`).join("; ")}`
        : "Validation error";
    }
    return new ValidationError(init, fieldErrors);
  }
  if (status === 401) return new AuthenticationError(init);
  if (status === 403) return new PermissionDeniedError(init);
  if (status === 404) return new NotFoundError(init);
  if (status === 408) return new TimeoutError(init, false);
  if (status === 409) return new ConflictError(init);
  if (status === 429) return new RateLimitError(init, context.retryAfterMs);
  if (status >= 500) return new ServerError(init);
  return new BadRequestError(init);
}

function validationErrorsFromEnvelope(details: Record<string, unknown> | undefined): FieldError[] {
  const list = details?.["validation_errors"];
  if (!Array.isArray(list)) return [];
  return list.flatMap((item): FieldError[] => {
    if (typeof item !== "object" || item === null) return [];
    const entry = item as Record<string, unknown>;
    const location = Array.isArray(entry["location"]) ? (entry["location"] as (string | number)[]) : [];
    return [{
      location,
      message: typeof entry["message"] === "string" ? entry["message"] : "invalid",
      type: typeof entry["type"] === "string" ? entry["type"] : undefined,
    }];
  });
}

/** Parses Retry-After (seconds or HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
