# syntax=docker/dockerfile:1
# smsops: multi-stage build. The build stage has the compilers better-sqlite3 needs when no prebuilt binary fits;
# the runtime stage has Node, the compiled JavaScript and the production dependencies only, run as a non-root user.

FROM node:20-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim AS runtime
# UV_THREADPOOL_SIZE: Node resolves host names on libuv's pool, 2 lookups at once with its default 4 threads, so two
# PortSIP routes whose DNS hangs held every other lookup (Slack's, Wavix's) for a resolver timeout; read only at launch.
ENV NODE_ENV=production \
    UV_THREADPOOL_SIZE=16 \
    DATABASE_PATH=/data/smsops.db \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# A fixed uid/gid, so a host folder mounted at /data can be given to it (chown 10001:10001).
RUN groupadd --system --gid 10001 smsops \
 && useradd --system --uid 10001 --gid smsops --home-dir /app --shell /usr/sbin/nologin smsops \
 && mkdir -p /data /backups \
 && chown smsops:smsops /data /backups \
 && chmod 700 /data /backups
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root migrations ./migrations
COPY --chown=root:root assets ./assets
USER smsops
# /backups: BACKUP_DIR in deploy/compose.yaml (its own volume, so backups outlive the container and the data volume).
VOLUME ["/data", "/backups"]
EXPOSE 3000
# No curl in the slim image: Node itself asks /healthz (200 only while inbound SMS flow).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, node as PID 1: SIGTERM from `docker stop` reaches smsops itself (npm would not pass it on), which
# finishes the requests in progress and returns leased deliveries before the database closes.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
