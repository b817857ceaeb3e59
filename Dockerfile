# beckn-ride service image (full profile: configure the stores by environment).
# Build stage: compiles the TypeScript (type-checked) into dist/ with the development dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY registry ./registry
COPY migrations ./migrations
# The compiled code reads its data files (JSON, dashboard page) from the source tree (src/source-tree.ts):
# src/ keeps only its non-TypeScript files for the run stage.
RUN npm run build && rm dist/.tsbuildinfo && find src -name '*.ts' -delete

# Run stage: production dependencies and the compiled code only; no TypeScript, no tsx.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/src ./src
COPY migrations/clickhouse ./migrations/clickhouse
COPY beckn-schemas ./beckn-schemas
# DATA_DIR: the message log spool (a volume in docker-compose.yml) and local state.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
