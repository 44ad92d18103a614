# One image for the API, the workers and the one-shot migration (see docker-compose.yml):
#   docker build -t notification-service .
# Node 22: the oldest line every dependency declares support for (cookie, content-disposition need >= 22).

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY console ./console
# The TypeScript compiled, the workflow bundle made now rather than at every worker start, and the console built.
RUN npm run build && npm run build:workflows -- dist/workflow-bundle.js && npm run console:build

FROM node:22-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only: no compiler, no test tools, no embedded PostgreSQL binaries.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    TEMPORAL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
COPY package.json ./
COPY drizzle ./drizzle
USER node
EXPOSE 3000
# The API role answers here; docker-compose.yml turns it off for workers and the migration.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["all"]
