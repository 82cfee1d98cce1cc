// A real redis-server for a test file or the bench: started on a free loopback port with nothing
// persisted, stopped (and started again on the same port, for outage tests) by its user.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, createServer } from "node:net";

const BINARY = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((path) => existsSync(path));

/** @returns {Promise<import("./redis-server.d.mts").RedisServer>} */
export async function startRedis() {
  if (!BINARY) throw new Error("redis-server is not installed: apt-get install -y redis-server (.ci/run does it)");
  const port = await freePort();
  /** @type {import("node:child_process").ChildProcess | undefined} */
  let child;
  const server = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      let output = "";
      child = spawn(BINARY, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout?.on("data", (chunk) => { output += chunk.toString(); });
      child.stderr?.on("data", (chunk) => { output += chunk.toString(); });
      const deadline = Date.now() + 10_000;
      while (!(await pong(port))) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}: ${output.trim()}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill("SIGTERM");
      await exited;
    },
  };
  await server.start();
  return server;
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}

/** Whether a Redis answers PING on the port.
 * @param {number} port
 * @returns {Promise<boolean>} */
function pong(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(500);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => { socket.destroy(); resolve(data.toString().startsWith("+PONG")); });
    socket.once("timeout", () => { socket.destroy(); resolve(false); });
    socket.once("error", () => resolve(false));
  });
}
