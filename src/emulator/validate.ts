// Request validation per operation, against the same schemas the client sends with
// (api/operations.ts), reported like the API's 422: pydantic's error type, location and message.
// Bodies may hold only declared fields (pydantic's extra="forbid"), which keeps clients honest.
import type { z } from "zod";
import { OPERATIONS, type Operation, type OperationSpec } from "../api/operations.js";

export interface Problem { type: string; location: (string | number)[]; message: string }

export function validate(operation: Operation, body: unknown, query: URLSearchParams, params: Record<string, string>): Problem[] {
  const shape: OperationSpec = OPERATIONS[operation];
  const problems = [
    ...check("path", shape.params, params),
    ...check("query", shape.query, Object.fromEntries(query)),
  ];
  if (!shape.body) return problems;
  if (body === undefined) return shape.bodyRequired ? [...problems, { type: "missing", location: ["body"], message: "Field required" }] : problems;
  return [...problems, ...check("body", shape.body, body)];
}

function check(where: "path" | "query" | "body", schema: z.ZodObject | undefined, value: unknown): Problem[] {
  if (!schema) return [];
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.flatMap((issue): Problem[] => {
    const location = [where, ...issue.path.map((key) => (typeof key === "number" ? key : String(key)))];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ type: "extra_forbidden", location: [...location, key], message: "Extra inputs are not permitted" }));
    }
    return [{ location, ...pydantic(issue, valueAt(value, issue.path), leaf(schema, issue.path)) }];
  });
}

/** pydantic's type and message for a zod issue. */
function pydantic(issue: z.core.$ZodIssue, value: unknown, schema: z.ZodType | undefined): Omit<Problem, "location"> {
  switch (issue.code) {
    case "invalid_type": {
      if (value === undefined) return { type: "missing", message: "Field required" };
      const integer = (schema as z.ZodNumber | undefined)?.isInt === true;
      const expected = issue.expected === "number" || issue.expected === "int" ? (integer ? "int" : "float") : issue.expected;
      return TYPE_ERRORS[expected] ?? { type: `${expected}_type`, message: `Input should be a valid ${expected}` };
    }
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const bound = Number(small ? issue.minimum : issue.maximum);
      if (issue.origin === "array") {
        const count = Array.isArray(value) ? value.length : 0;
        return small
          ? { type: "too_short", message: `List should have at least ${bound} item${bound === 1 ? "" : "s"} after validation, not ${count}` }
          : { type: "too_long", message: `List should have at most ${bound} items after validation, not ${count}` };
      }
      const [type, words] = small ? ["greater_than", "greater than"] : ["less_than", "less than"];
      return issue.inclusive
        ? { type: `${type}_equal`, message: `Input should be ${words} or equal to ${bound}` }
        : { type, message: `Input should be ${words} ${bound}` };
    }
    case "invalid_value":
      return { type: "enum", message: `Input should be ${issue.values.map((v) => `'${String(v)}'`).join(" or ")}` };
    default:
      return { type: "value_error", message: issue.message };
  }
}

const TYPE_ERRORS: Record<string, Omit<Problem, "location">> = {
  int: { type: "int_parsing", message: "Input should be a valid integer" },
  float: { type: "float_type", message: "Input should be a valid number" },
  string: { type: "string_type", message: "Input should be a valid string" },
  boolean: { type: "bool_type", message: "Input should be a valid boolean" },
  object: { type: "dict_type", message: "Input should be a valid dictionary" },
  record: { type: "dict_type", message: "Input should be a valid dictionary" },
  array: { type: "list_type", message: "Input should be a valid list" },
};

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined), value);
}

/** The schema a path leads to inside `schema`, through optional, nullable and preprocess wrappers. */
function leaf(schema: z.ZodType, path: PropertyKey[]): z.ZodType | undefined {
  let at: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    const def = at?._zod.def as { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType } | undefined;
    at = unwrap(def?.type === "object" ? def.shape?.[String(key)] : def?.type === "array" ? def.element : undefined);
  }
  return at;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let at = schema;
  for (;;) {
    const def = at?._zod.def as { type: string; innerType?: z.ZodType; out?: z.ZodType } | undefined;
    if (def?.type === "optional" || def?.type === "nullable" || def?.type === "default") at = def.innerType;
    else if (def?.type === "pipe") at = def.out;
    else return at;
  }
}
