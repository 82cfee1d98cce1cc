#!/usr/bin/env bash
# Runs the official MCP conformance suite against `--http --sandbox` and exits 0 when every
# scenario that can pass on this server passes (1 otherwise). The suite needs Node 22; npx puts
# node@22 (from the npm registry) first on PATH without changing the project's Node.
# The other scenarios call the suite's own fixture tools, prompts and resources (test_simple_prompt,
# test://static-text, image/audio/sampling tools…), which exist on no other server.
set -uo pipefail
cd "$(dirname "$0")/.."
EXPECTED=(server-initialize logging-set-level ping tools-list tools-call-simple-text tools-call-error
  server-sse-multiple-streams resources-list prompts-list dns-rebinding-protection)
port=${PORT:-3777}
MIXPEEK_AUDIT_LOG=off node dist/mixpeek-batch-mcp.mjs --http --sandbox --port "$port" 2>/dev/null &
server=$!
trap 'kill $server' EXIT
sleep 1
output=$(npx -y -p node@22 -p @modelcontextprotocol/conformance -- conformance server --url "http://localhost:$port/mcp" "$@" 2>&1)
echo "$output"
status=0
for scenario in "${EXPECTED[@]}"; do
  if ! grep -q "^✓ $scenario:" <<<"$output"; then echo "expected to pass, did not: $scenario"; status=1; fi
done
echo "expected to pass (${#EXPECTED[@]}): ${EXPECTED[*]}"
[ $status -eq 0 ] && echo "conformance: every expected scenario passed; the others need the suite's own fixtures"
exit $status
