// The deployment files cannot run here (no Docker), so they are checked against what they
// depend on: the replicas' environment is a configuration the server accepts, with Redis and
// budgets as meant, and the balancer's upstreams are the compose services on the port the image
// serves. test/redis/replicas.test.ts runs the same topology with processes.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/cli/config.js";

const file = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const compose = file("docker-compose.yml");
const nginx = file("deploy/nginx.conf");
const dockerfile = file("Dockerfile");

/** The replicas' environment, as compose would pass it when the required variables are set. */
function replicaEnv(): Record<string, string> {
  const block = /^x-replica: &replica\n[\s\S]*?^ {2}environment:\n((?: {4}.*\n)+)/m.exec(compose)?.[1] ?? "";
  const env: Record<string, string> = {};
  for (const [, name, value] of block.matchAll(/^ {4}([A-Z_]+): (.*)$/gm)) {
    env[name!] = value!
      .replace(/\$\{(\w+):\?[^}]*\}/g, (_, variable: string) => `value-of-${variable}-0123456789`)
      .replace(/\$\{\w+:-([^}]*)\}/g, "$1");
  }
  return env;
}

describe("docker-compose.yml", () => {
  it("gives each replica a configuration the server accepts: Redis, a shared confirm secret, a server token, default budgets", () => {
    const env = replicaEnv();
    const command = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    const config = parseConfig(command.slice(2), env, []);
    expect(config).toMatchObject({
      command: "serve", transport: "http",
      redisUrl: "redis://redis:6379",
      confirmSecret: "value-of-MIXPEEK_CONFIRM_SECRET-0123456789",
      budgets: { perBatch: 10, perCredential: 100 },
      http: { host: "0.0.0.0", port: 3333, authToken: "value-of-MIXPEEK_MCP_AUTH_TOKEN-0123456789" },
    });
  });

  it("sets only variables the server reads", () => {
    const read = new Set(file("src/cli/config.ts").match(/MIXPEEK_[A-Z_]+/g));
    const set = Object.keys(replicaEnv());
    expect(set.length).toBeGreaterThanOrEqual(5);
    expect(set.filter((name) => !read.has(name))).toEqual([]);
  });

  it("runs two replicas, Redis without eviction, and the balancer on the replicas' port", () => {
    const replicas = [...compose.matchAll(/^ {2}(\S+):\n {4}<<: \*replica$/gm)].map((m) => m[1]);
    expect(replicas).toEqual(["mcp-a", "mcp-b"]);
    expect(compose).toMatch(/^ {2}redis:\n {4}image: redis:7/m);
    expect(compose).toMatch(/"--maxmemory-policy", "noeviction"/);
    expect(compose).toMatch(/"\.\/deploy\/nginx\.conf:\/etc\/nginx\/nginx\.conf:ro"/);
    const upstreams = [...nginx.matchAll(/^\s+server (\S+):(\d+)\b/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(upstreams).toEqual(replicas.map((name) => `${name}:3333`));
    expect(dockerfile).toMatch(/^EXPOSE 3333$/m);
  });
});
