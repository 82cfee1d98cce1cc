// Kept in step with package.json by a test; a constant costs nothing at start-up.
export const VERSION = "0.1.0";
export const NAME = "mixpeek-batch-mcp";
