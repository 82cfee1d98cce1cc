#!/usr/bin/env bash
# Runs the official MCP conformance suite (needs Node 22, fetched from npm by npx) against
# `--http --sandbox`. Scenarios that call fixture tools/prompts/resources of the suite's own
# reference server (test_simple_prompt, test://static-text, image/audio tools…) cannot pass on
# any other server; see the README's performance and conformance section for the list.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-3777}
MIXPEEK_AUDIT_LOG=off node dist/mixpeek-batch-mcp.mjs --http --sandbox --port "$port" 2>/dev/null &
server=$!
trap 'kill $server' EXIT
sleep 1
npx -y node@22 "$(npm exec -y --package=@modelcontextprotocol/conformance -- node -e 'console.log(require.resolve("@modelcontextprotocol/conformance/package.json").replace("/package.json",""))' 2>/dev/null || true)/dist/index.js" \
  server --url "http://localhost:$port/mcp" "$@" || true
