// Validation against the public OpenAPI spec trimmed to our routes (../shared).
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { Operation } from "../src/api/operations.js";

// A copy of ../shared/mixpeek-openapi-batches.json, so CI on a fresh machine has it.
const SPEC_PATH = new URL("./fixtures/mixpeek-openapi-batches.json", import.meta.url);
export const spec = JSON.parse(readFileSync(SPEC_PATH, "utf8")) as {
  paths: Record<string, Record<string, {
    parameters?: { name: string; in: string }[];
    requestBody?: { content: { "application/json": { schema: unknown } } };
    responses: Record<string, { content?: { "application/json"?: { schema?: unknown } } }>;
  }>>;
  components: { schemas: Record<string, unknown> };
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ $id: "spec", components: spec.components });

/** Compiles a schema from the spec, resolving its #/components refs against the spec. */
export function compile(schema: unknown) {
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spec#/components/'));
  return ajv.compile(rewritten as object);
}

/** The spec's path template for one of our routes (ours say {bucket}, the spec {bucket_identifier}). */
export function specPath(ourPath: string): string | undefined {
  const normalise = (p: string) => p.replace(/\{[^}]+\}/g, "{}");
  return Object.keys(spec.paths).find((p) => normalise(p) === normalise(ourPath));
}

/** Our operations whose routes the spec lacks: the web reference and the batch-diagnostics guide
 * document them. Every other operation must have its route in the spec. */
export const NOT_IN_SPEC: readonly Operation[] = ["cancelJob", "cancelTier", "diagnoseBatch", "healTier", "resubmitBatch", "retryTier"];
