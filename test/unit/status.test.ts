// Status rules: every status the spec names has its class, anything else is unknown (possibly
// running, never finished), and which document errors may pass on retry.
import { describe, expect, it } from "vitest";
import { isActive, isTerminal, isTransientError, mayBeActive, statusClass, unknownStatus } from "../../src/domain/status.js";

describe("statusClass", () => {
  it.each([
    ["PENDING", "active"], ["IN_PROGRESS", "active"], ["PROCESSING", "active"],
    ["COMPLETED", "terminal"], ["COMPLETED_WITH_ERRORS", "terminal"], ["FAILED", "terminal"], ["CANCELED", "terminal"], ["SKIPPED", "terminal"],
    ["DRAFT", "idle"], ["ACTIVE", "idle"], ["ARCHIVED", "idle"], ["SUSPENDED", "idle"],
    ["RUNNING", "unknown"], ["QUEUED", "unknown"], ["UNKNOWN", "unknown"], ["completed", "unknown"], ["", "unknown"],
  ] as const)("%s is %s", (status, kind) => {
    expect(statusClass(status)).toBe(kind);
    expect(isActive(status)).toBe(kind === "active");
    expect(isTerminal(status)).toBe(kind === "terminal");
    expect(mayBeActive(status)).toBe(kind === "active" || kind === "unknown");
    expect(unknownStatus(status)).toBe(kind === "unknown" ? status : undefined);
  });

  it("reads a missing status as unknown, named (none)", () => {
    for (const status of [null, undefined]) {
      expect(statusClass(status)).toBe("unknown");
      expect(mayBeActive(status)).toBe(true);
      expect(isActive(status)).toBe(false);
      expect(isTerminal(status)).toBe(false);
      expect(unknownStatus(status)).toBe("(none)");
    }
  });
});

describe("isTransientError", () => {
  it.each(["network", "resource", "timeout", "rate_limit", "ratelimit", "transient", "unavailable", "NETWORK", "Resource"])(
    "the category %s may pass on retry", (type) => {
      expect(isTransientError(type)).toBe(true);
    });

  it.each(["ReadTimeout", "ConnectionError", "ConnectionResetError", "ServiceUnavailable", "Throttled", "RateLimitExceeded", "TemporaryFailure", "socket_timeout"])(
    "the exception %s may pass on retry", (type) => {
      expect(isTransientError(type)).toBe(true);
    });

  it.each([
    "Read timed out after 30 s", "request timeout", "Connection reset by peer", "connection refused", "Connection aborted", "reset by peer",
    "HTTP 502 from storage", "503 Service Unavailable", "upstream returned 504", "service unavailable", "temporarily unavailable",
    "rate limit exceeded", "Too Many Requests", "throttled by S3", "timed out", "time out", "timedout",
  ])("the message %j may pass on retry", (message) => {
    expect(isTransientError(null, message)).toBe(true);
    expect(isTransientError("unknown", message)).toBe(true);
  });

  it("never for validation, dependency, authentication or runtime errors, whatever the message says", () => {
    for (const type of ["validation", "dependency", "authentication", "runtime", "Validation", "RUNTIME"]) {
      expect(isTransientError(type, "Read timed out"), type).toBe(false);
    }
    // Only the exact category: an exception name containing one is read like any other.
    expect(isTransientError("runtime_timeout")).toBe(true);
  });

  it("reads a category name only as the whole type: one that merely starts or ends with one is read like any other name", () => {
    for (const type of ["resource_not_found", "network_policy_denied", "missing_resource", "neural_network"]) {
      expect(isTransientError(type), type).toBe(false);
    }
    // Likewise the permanent categories: an exception that merely ends in one is not refused for it.
    expect(isTransientError("prevalidation", "Read timed out")).toBe(true);
    expect(isTransientError("validation_runtime", "Read timed out")).toBe(true);
  });

  it("never for out of memory: more memory, not a retry, fixes it", () => {
    for (const type of ["oom", "OOMKilled", "OutOfMemoryError", "resource_oom", "CUDA out of memory"]) {
      expect(isTransientError(type, "connection reset"), type).toBe(false);
    }
  });

  it("never for what it cannot place", () => {
    for (const [type, message] of [["ValueError", "bad frame"], ["unknown", "HTTP 500"], [null, "code 5030"], [null, null], [undefined, undefined], ["", ""], ["KeyError", "reset"]] as const) {
      expect(isTransientError(type, message), `${type} ${message}`).toBe(false);
    }
  });
});
