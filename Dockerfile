# mixpeek-batch-mcp over Streamable HTTP. Build: docker build -t mixpeek-batch-mcp .
# Run:  docker run -p 3333:3333 -e MIXPEEK_MCP_AUTH_TOKEN=... -e MIXPEEK_API_KEY=... -e MIXPEEK_NAMESPACE=... mixpeek-batch-mcp
# (clients may instead send their own X-Mixpeek-Api-Key and X-Namespace per request).
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run build

FROM node:20-slim
WORKDIR /app
# The bundle (the bin and the chunks it loads when needed) is the whole program: no node_modules.
COPY --from=build /src/dist/mixpeek-batch-mcp.mjs ./
COPY --from=build /src/dist/chunks ./chunks
ENV NODE_ENV=production MIXPEEK_AUDIT_LOG=/data/audit.jsonl
# Owned by the user the server runs as, or it could not write its audit log there; a volume
# mounted on it starts with this ownership.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3333
HEALTHCHECK CMD node -e "fetch('http://127.0.0.1:3333/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Binding 0.0.0.0 requires MIXPEEK_MCP_AUTH_TOKEN (or --allow-unauthenticated behind an authenticating proxy).
CMD ["node", "/app/mixpeek-batch-mcp.mjs", "--http", "--host", "0.0.0.0", "--port", "3333"]
