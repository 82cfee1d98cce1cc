#!/usr/bin/env bash
# Runs the official MCP conformance suite against `--http --sandbox`. The suite needs Node 22;
# npx puts node@22 (from the npm registry) first on PATH without changing the project's Node.
# Scenarios that call the suite's own fixture tools, prompts and resources (test_simple_prompt,
# test://static-text, image/audio/sampling tools…) cannot pass on any other server.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-3777}
MIXPEEK_AUDIT_LOG=off node dist/mixpeek-batch-mcp.mjs --http --sandbox --port "$port" 2>/dev/null &
server=$!
trap 'kill $server' EXIT
sleep 1
npx -y -p node@22 -p @modelcontextprotocol/conformance -- conformance server --url "http://localhost:$port/mcp" "$@"
