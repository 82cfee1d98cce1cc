// The tool surface is a contract (../shared/design.md): names, arguments, annotations, schemas.
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it, beforeAll } from "vitest";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { OPERATIONS } from "../../src/api/operations.js";
import { READ_ONLY_TOOLS } from "../../src/domain/next-steps.js";
import { DEFAULT_TOOLSETS } from "../../src/mcp/toolsets.js";
import { CATALOGUE_CONFIG, listTools, toolTable } from "../../src/mcp/catalogue.js";
import { SANDBOX } from "../../src/emulator/scenarios.js";
import { VERSION } from "../../src/util/version.js";
import { TOOLS, TOOL_MODULES, TOOL_NAMES } from "../../tools/index.js";

type Kind = "read" | "write" | "destructive";
/** The first tools' names, arguments and kinds, as design.md fixes them. */
const CONTRACT: Record<string, { args: string[]; kind: Kind; idempotent?: boolean }> = {
  list_batches: { args: ["bucket", "status?", "limit?", "offset?"], kind: "read" },
  get_batch: { args: ["bucket", "batch_id"], kind: "read" },
  diagnose_batch: { args: ["bucket", "batch_id"], kind: "read" },
  list_failed_documents: { args: ["bucket", "batch_id", "tier_num?", "collection_id?", "limit?", "offset?"], kind: "read" },
  get_batch_logs: { args: ["bucket", "batch_id", "tier_num?", "tail_lines?"], kind: "read" },
  get_task: { args: ["task_id"], kind: "read" },
  wait_for_batch: { args: ["bucket", "batch_id", "timeout_seconds?"], kind: "read" },
  retry_failed_documents: { args: ["bucket", "batch_id", "retry_mode?", "tier_nums?", "max_retry_count?"], kind: "write", idempotent: false },
  retry_tier: { args: ["bucket", "batch_id", "tier_num", "requires_gpu?", "num_cpus?", "memory_bytes?", "priority?"], kind: "write", idempotent: false },
  detect_stuck_tier: { args: ["bucket", "batch_id", "tier_num"], kind: "write", idempotent: true },
  kill_duplicate_jobs: { args: ["bucket", "batch_id", "tier_num"], kind: "destructive" },
  cancel_tier: { args: ["bucket", "batch_id", "tier_num"], kind: "destructive" },
  cancel_job: { args: ["bucket", "batch_id", "tier_num", "ray_job_id"], kind: "destructive" },
  cancel_batch: { args: ["bucket", "batch_id"], kind: "destructive" },
  resubmit_batch: { args: ["bucket", "batch_id", "from_tier?"], kind: "write", idempotent: false },
  trigger_collection: { args: ["collection", "include_buckets?", "include_collections?", "object_ids?", "source_filters?"], kind: "write", idempotent: false },
  confirm_uploads: { args: ["bucket", "confirmations"], kind: "write", idempotent: false },
};
/** The tools design.md's wave 2 adds: names and kinds are fixed, arguments follow the spec. A tool
 * of this list needs no edit here when it lands. */
const WAVE_2: Record<string, Kind> = {
  create_batch: "write", add_batch_objects: "write", submit_batch: "write", update_batch: "write", delete_batch: "destructive",
  retry_qdrant_write: "write", create_uploads: "write", list_tasks: "read", kill_task: "destructive",
  get_bucket_health: "read", get_batch_diagnostics: "read",
};
const kindOf = (name: string): Kind | undefined => CONTRACT[name]?.kind ?? WAVE_2[name];

let tools: Tool[];
beforeAll(async () => { tools = await listTools(); });

const props = (tool: Tool) => (tool.inputSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
const required = (schema: { required?: unknown }) => (schema.required ?? []) as string[];

describe("tool catalogue", () => {
  it("lists the contract's tools and only tools the design names, in the catalogue's order", () => {
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(Object.keys(CONTRACT)));
    for (const name of names) expect(kindOf(name), `${name} is not a tool design.md names`).toBeDefined();
    expect(names).toEqual(TOOL_NAMES);
  });

  it("declares the API operations each tool sends, and every operation is sent by some tool", () => {
    for (const tool of TOOLS) expect(tool.operations.length, tool.name).toBeGreaterThan(0);
    expect(new Set(TOOLS.flatMap((t) => t.operations))).toEqual(new Set(Object.keys(OPERATIONS)));
  });

  it("has one file per tool, named after the tool in kebab case", () => {
    const files = readdirSync(new URL("../../tools/", import.meta.url)).filter((f) => f !== "index.ts").sort();
    expect(files).toEqual(TOOL_NAMES.map((n) => `${n.replaceAll("_", "-")}.ts`).sort());
    for (const file of files) {
      const source = readFileSync(new URL(`../../tools/${file}`, import.meta.url), "utf8");
      expect(source).toContain(`export const name = "${file.replace(".ts", "").replaceAll("-", "_")}";`);
    }
  });

  it("types recommendations from every tool's own name and input schema (tools/index.ts)", () => {
    for (const module of TOOL_MODULES) {
      expect(module.default.name).toBe(module.name);
      for (const [key, schema] of Object.entries(module.input)) expect(module.default.inputShape[key], `${module.name}.${key}`).toBe(schema);
    }
  });

  it.each(Object.entries(CONTRACT))("%s declares the contract's arguments", (name, contract) => {
    const tool = tools.find((t) => t.name === name)!;
    for (const arg of contract.args) {
      const bare = arg.replace("?", "");
      expect(props(tool), `${name}.${bare}`).toHaveProperty(bare);
      expect(required(tool.inputSchema).includes(bare), `${name}.${bare} required?`).toBe(!arg.endsWith("?"));
    }
  });

  it.each(TOOL_NAMES)("%s has title, short description, schemas and all four hints", (name) => {
    const tool = tools.find((t) => t.name === name)!;
    const contract = { kind: kindOf(name), idempotent: CONTRACT[name]?.idempotent };
    expect(tool.title).toBeTruthy();
    expect(tool.description!.length).toBeGreaterThan(30);
    expect(tool.description!.length).toBeLessThanOrEqual(220);
    expect(tool.outputSchema?.type).toBe("object");
    const a = tool.annotations!;
    for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
      expect(typeof a[hint], `${name}.${hint}`).toBe("boolean");
    }
    expect(a.readOnlyHint).toBe(contract.kind === "read");
    expect(a.destructiveHint).toBe(contract.kind === "destructive");
    expect(a.openWorldHint).toBe(true);
    if (contract.kind === "read") expect(a.idempotentHint).toBe(true);
    if (contract.idempotent !== undefined) expect(a.idempotentHint).toBe(contract.idempotent);
  });

  it("knows which tools only read (next-steps.ts): exactly those annotated readOnlyHint", () => {
    expect([...READ_ONLY_TOOLS].sort()).toEqual(TOOLS.filter((t) => t.annotations.readOnlyHint).map((t) => t.name).sort());
  });

  it("lets destructive tools carry a confirm_token and answer with a confirmation request", () => {
    for (const tool of tools) expect("confirm_token" in props(tool), tool.name).toBe(tool.annotations!.destructiveHint);
  });

  it("publishes every write's answers as one variant per outcome, each with its own required fields", () => {
    type Variant = { properties: Record<string, { const?: string; enum?: string[] }>; required: string[] };
    for (const tool of tools.filter((t) => !t.annotations!.readOnlyHint)) {
      const variants = (tool.outputSchema as { oneOf?: Variant[] }).oneOf;
      expect(variants, tool.name).toBeDefined();
      const byOutcome = new Map<string, Variant>();
      for (const variant of variants!) {
        const outcome = variant.properties["outcome"]!;
        const values = outcome.const !== undefined ? [outcome.const] : outcome.enum ?? [];
        expect(values.length, `${tool.name}: an outcome enum in every variant`).toBeGreaterThan(0);
        expect(variant.required, tool.name).toContain("outcome");
        for (const value of values) {
          expect(byOutcome.has(value), `${tool.name}: ${value} in one variant only`).toBe(false);
          byOutcome.set(value, variant);
        }
      }
      expect(byOutcome.get("refused")?.required, tool.name).toEqual(expect.arrayContaining(["reason", "recommendations"]));
      const destructive = tool.annotations!.destructiveHint;
      expect(byOutcome.get("confirmation_required")?.required, tool.name).toEqual(destructive ? expect.arrayContaining(["confirm_token", "plan", "next_step"]) : undefined);
      expect(byOutcome.has("declined"), tool.name).toBe(destructive);
      // The tool's own outcomes keep all their fields required: none is optional for another outcome's sake.
      const own = [...byOutcome].filter(([o]) => !["refused", "confirmation_required", "declined"].includes(o));
      expect(own.length, tool.name).toBeGreaterThan(0);
      for (const [, variant] of own) {
        const optional = Object.keys(variant.properties).filter((p) => !variant.required.includes(p));
        expect(optional.filter((p) => p !== "notes" && p !== "deduplicated"), `${tool.name} optional fields`).toEqual([]);
      }
    }
  });

  it("refuses path tricks in id arguments by schema (checked by the server, not published)", () => {
    const input = TOOLS.find((t) => t.name === "get_batch")!.inputSchema;
    const accepts = (batch_id: string) => input.safeParse({ bucket: "media", batch_id }).success;
    for (const bad of ["a/b", "x?y=1", "a#b", "a b", "..", ".", "\u0000x", "tab\tx", "x".repeat(201)]) expect(accepts(bad), bad).toBe(false);
    for (const good of ["btch_k3j4h5g6f7d8", "%2e%2e", "my.batch", "...", "é", "x".repeat(200)]) expect(accepts(good), good).toBe(true);
    expect(props(tools.find((t) => t.name === "get_batch")!)["batch_id"]).toEqual({ type: "string" });
  });

  it("puts each tool in design.md's toolset, and serves triage and ingest by default", async () => {
    const TOOLSET_OF: Record<string, string[]> = {
      triage: ["list_batches", "get_batch", "diagnose_batch", "list_failed_documents", "get_batch_logs", "get_task", "wait_for_batch",
        "retry_failed_documents", "retry_tier", "detect_stuck_tier", "kill_duplicate_jobs", "cancel_tier", "cancel_job", "cancel_batch",
        "resubmit_batch", "retry_qdrant_write", "get_bucket_health"],
      ingest: ["trigger_collection", "confirm_uploads", "create_uploads", "create_batch", "add_batch_objects", "submit_batch"],
      admin: ["update_batch", "delete_batch", "list_tasks", "kill_task", "get_batch_diagnostics"],
    };
    for (const tool of TOOLS) expect(TOOLSET_OF[tool.toolset], tool.name).toContain(tool.name);
    const served = await listTools({ ...CATALOGUE_CONFIG, toolsets: DEFAULT_TOOLSETS });
    expect(served.map((t) => t.name).sort()).toEqual([...TOOLSET_OF["triage"]!, ...TOOLSET_OF["ingest"]!].sort());
  });

  it("names in every tool what it acts on, so deferred-tool search finds it", () => {
    // retry_qdrant_write (a name design.md fixes) acts on a tier's Qdrant write.
    for (const name of TOOL_NAMES) expect(name, name).toMatch(/batch|tier|job|task|bucket|uploads|documents|collection|qdrant/);
  });

  it("keeps the model-facing tool list within its token budget: 3,400 for the default toolsets, 4,600 for all", async () => {
    const tokens = (list: Tool[]) => encode(JSON.stringify(list.map(({ name, title, description, inputSchema }) => ({ name, title, description, inputSchema })))).length;
    const byDefault = tokens(await listTools({ ...CATALOGUE_CONFIG, toolsets: DEFAULT_TOOLSETS }));
    const all = tokens(tools);
    expect(byDefault).toBeLessThanOrEqual(3_400);
    expect(all).toBeLessThanOrEqual(4_600);
    // Not an empty list: the budget is about 28 real tools.
    expect(all).toBeGreaterThan(2_000);
  });

  it("hides mutating tools in read-only mode and destructive ones when disabled", async () => {
    const readOnly = await listTools({ ...CATALOGUE_CONFIG, readOnly: true });
    expect(readOnly.map((t) => t.name)).toEqual(TOOL_NAMES.filter((n) => kindOf(n) === "read"));
    const safe = await listTools({ ...CATALOGUE_CONFIG, disableDestructive: true });
    expect(safe.map((t) => t.name)).toEqual(TOOLS.filter((t) => !t.annotations.destructiveHint).map((t) => t.name));
    expect(safe.length).toBeLessThan(TOOLS.length);
    expect(safe.some((t) => t.annotations?.destructiveHint)).toBe(false);
    const some = await listTools({ ...CATALOGUE_CONFIG, tools: ["get_batch", "cancel_batch"] });
    expect(some.map((t) => t.name).sort()).toEqual(["cancel_batch", "get_batch"]);
  });

  it("keeps the README tool table generated from the catalogue", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(toolTable(tools));
  });

  it("names the sandbox's namespace and bucket in the README", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const fact of [SANDBOX.namespaceId, SANDBOX.bucketId, SANDBOX.bucketName]) expect(readme).toContain(fact);
  });

  it("keeps the version, registry name and bin in step across package.json and server.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string; mcpName: string; bin: Record<string, string>; files: string[] };
    const server = JSON.parse(readFileSync(new URL("../../server.json", import.meta.url), "utf8")) as { name: string; version: string; packages: { identifier: string; version: string }[] };
    expect(VERSION).toBe(pkg.version);
    expect(server).toMatchObject({ name: pkg.mcpName, version: pkg.version, packages: [{ identifier: "mixpeek-batch-mcp", version: pkg.version }] });
    expect(pkg.files).toContain(pkg.bin["mixpeek-batch-mcp"]);
  });
});
