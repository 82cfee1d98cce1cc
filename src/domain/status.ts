// Status rules of batches, tiers, jobs and tasks (mixpeek-api.md §3.1, §7), in one place.
import type { ErrorCategory } from "../api/wire.js";

const ACTIVE = new Set(["PENDING", "IN_PROGRESS", "PROCESSING"]);
const TERMINAL = new Set(["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED", "SKIPPED"]);

/** Still running: keep polling. */
export const isActive = (status: string | null | undefined): boolean => ACTIVE.has(status ?? "");
/** Will not change on its own. */
export const isTerminal = (status: string | null | undefined): boolean => TERMINAL.has(status ?? "");

/** Our reading of ErrorCategory (no field says it): connectivity and resource pressure may pass
 * on retry; bad data, missing dependencies, credentials and code errors will not. */
const TRANSIENT: ReadonlySet<string> = new Set<ErrorCategory>(["network", "resource"]);
export const isTransientCategory = (category: string | null | undefined): boolean => TRANSIENT.has(category ?? "");
