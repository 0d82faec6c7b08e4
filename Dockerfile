# syntax=docker/dockerfile:1
#
# aurgate in a container. Two stages: the builder compiles the TypeScript and the native better-sqlite3
# module and drops the dev dependencies; the runtime image gets node, git, tini and the result only.
#   docker build -t aurgate .
#   docker run -d -p 8080:8080 -v aurgate-data:/data -e AURGATE_PUBLIC_URL=http://aur.lan:8080 aurgate
# Both stages use the same base image, so the native module built here runs there (same glibc, same node ABI).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS builder
# better-sqlite3 uses a prebuilt binary when one can be downloaded and compiles from source otherwise
# (offline builders, architectures without prebuilds); the toolchain makes the second path work.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund
# Fail the build, not the first start, when the native module does not load.
RUN node -e "new (require('better-sqlite3'))(':memory:').close()"

FROM ${NODE_IMAGE} AS runtime
# git serves clones and builds snapshots; tini forwards SIGTERM and reaps git children; a fixed uid keeps
# volume ownership stable across image rebuilds.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 aurgate \
 && useradd --system --uid 10001 --gid aurgate --create-home --home-dir /home/aurgate --shell /usr/sbin/nologin aurgate \
 && mkdir -p /data \
 && chown aurgate:aurgate /data
WORKDIR /app
ENV NODE_ENV=production \
    AURGATE_DATA_DIR=/data \
    AURGATE_HOST=0.0.0.0 \
    AURGATE_PORT=8080
# Owned by root and read-only to the service user: the running server cannot change its own code.
COPY --from=builder /app/package.json ./package.json
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
# bin/aurgate.js runs dist/src/main.js when it exists; migrations/ is read at start-up from beside dist/.
COPY bin ./bin
COPY migrations ./migrations
USER aurgate
VOLUME /data
EXPOSE 8080
# node instead of curl: nothing extra in the image. /healthz answers as soon as the server listens.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.AURGATE_PORT||8080)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "bin/aurgate.js"]
CMD ["serve"]
