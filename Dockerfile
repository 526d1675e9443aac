# syntax=docker/dockerfile:1
#
# amibot production image. One image for every role: AMIBOT_ROLE=web | worker | all (default).
#   docker build -t amibot .
#   docker run --env-file .env -e AMIBOT_ROLE=web -p 3000:3000 amibot
# `npm start` (tsx, TypeScript at run time) is for development; this image runs the compiled
# JavaScript from `npm run build` (tsc -p tsconfig.build.json: src/ → dist/, so src/main.ts →
# dist/main.js).

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
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist

# The files stay owned by root (read-only for the app); the process runs unprivileged.
USER node

EXPOSE 3000

# /healthz answers 200 while the process is up (/readyz also checks Redis). Slim images have no
# curl, so node itself does the request. Worker-only containers serve no HTTP: disable the check
# for them (docker-compose.yml does).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# main.ts handles SIGTERM: it stops taking requests and closes connections within 30 s.
CMD ["node", "dist/main.js"]
