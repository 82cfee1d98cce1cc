// The emulator's error answers: the envelope every error is sent in, and ErrorReply, which a
// handler throws to refuse a request, with builders for the two refusals the handlers share.
// ErrorReply is what the emulator answers; the client's MixpeekApiError is what a client reads.

const ERROR_TYPES: Record<number, string> = {
  400: "BadRequestError", 401: "UnauthorizedError", 403: "ForbiddenError", 404: "NotFoundError", 408: "TimeoutError",
  409: "AlreadyExistsError", 422: "ValidationError", 429: "TooManyRequestsError", 500: "InternalServerError",
  502: "BadGatewayError", 503: "UnavailableError", 504: "TimeoutError",
};

export function envelope(status: number, message: string, details: Record<string, unknown> | null = null, type = ERROR_TYPES[status] ?? "Error") {
  return { success: false, status, error: { type, message, details } };
}

export class ErrorReply extends Error {
  constructor(readonly status: number, readonly type: string, message: string, readonly details: Record<string, unknown> | null = null) {
    super(message);
  }
}
export const badRequest = (message: string) => new ErrorReply(400, "BadRequestError", message);
export const notFound = (resource: string, id: string) =>
  new ErrorReply(404, "NotFoundError", `${resource[0]!.toUpperCase()}${resource.slice(1)} '${id}' not found`, { resource, id });
