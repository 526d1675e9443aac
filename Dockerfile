# syntax=docker/dockerfile:1
#
# amibot production image. One image for every role: AMIBOT_ROLE=web | worker | all (default).
#   docker build -t amibot .
#   docker run --env-file .env -e AMIBOT_ROLE=web -p 3000:3000 \
#     -v "$PWD/config.yaml:/app/config.yaml:ro" -e AMIBOT_CONFIG=/app/config.yaml amibot
# `npm start` (tsx, TypeScript at run time) is for development; this image runs the compiled
# JavaScript from `npm run build` (tsc -p tsconfig.build.json: src/ → dist/, so src/main.ts →
# dist/main.js). It has no dev dependencies (no tsx) and no dev/ folder, so no sandbox: without a
# SLACK_BOT_TOKEN it says so and exits.

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: all dependencies, type-check and compile ----------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and the compiled output only -------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# glibc keeps memory freed after start-up (compiling the AWS SDK's EC2 client briefly takes ~35 MB)
# unless told to give back what is above this much: the web role idles ~25 MiB lower with it
# (docs/benchmarks.md, "Memory (idle RSS)").
ENV MALLOC_TRIM_THRESHOLD_=65536
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist

# The files stay owned by root (read-only for the app); the process runs unprivileged.
USER node

# The web listens on PORT (3000); a worker serves /healthz, /readyz and /metrics on
# AMIBOT_WORKER_PORT (3001).
EXPOSE 3000 3001

# /readyz answers 200 while the process is up and Redis answers. The port follows the role: a
# worker (AMIBOT_ROLE=worker) is asked on AMIBOT_WORKER_PORT, the web and `all` on PORT. Slim images
# have no curl, so node itself does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const e = process.env; const port = e.AMIBOT_ROLE === 'worker' ? (e.AMIBOT_WORKER_PORT || 3001) : (e.PORT || 3000); fetch('http://127.0.0.1:' + port + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The config file is not baked in: mount it and name it with AMIBOT_CONFIG (docker-compose.yml
# mounts ./config.yaml at /app/config.yaml). `node dist/doctor.js` checks a deployment.

# main.ts handles SIGTERM: it stops taking requests and closes connections within 30 s.
CMD ["node", "dist/main.js"]
