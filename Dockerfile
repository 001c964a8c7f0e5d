# Berth: the ECR API on PostgreSQL. Used by docker-compose.yml; works alone with a DATABASE_URL.

# --- build: dependencies (with the optional native sha256 addon), compile, drop dev deps ---
FROM node:22-bookworm-slim AS build

# python3, make and g++ build native/sha256 during `npm ci` (postinstall: scripts/build-native.js).
# Without them the install still succeeds and the pure-JS hash-wasm fallback is used.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# What `npm ci` needs, postinstall included, before the rest of the sources (layer cache).
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY native ./native
RUN npm ci --no-audit --no-fund

COPY . .
# --ignore-scripts: pruning must not run postinstall again once node-gyp (a dev dependency) is
# gone; scripts/build-native.js would not fail, but it could replace a built addon with nothing.
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: node, the compiled service, production dependencies, the addon if it was built ---
FROM node:22-bookworm-slim

ENV NODE_ENV=production \
  PORT=5000 \
  DATA_DIR=/data

WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The whole native/ tree: it holds build/Release/sha256.node only when the build succeeded.
COPY --from=build /app/native ./native

# Runs as the unprivileged `node` user of the image; DATA_DIR must be writable by it.
RUN mkdir -p /data /blobs && chown node:node /data /blobs
USER node

EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "dist/src/main.js"]
