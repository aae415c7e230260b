# syntax=docker/dockerfile:1.7
# AEPO API image: docker build -f deploy/docker/api.Dockerfile -t aepo-api .  (context: repository root)
ARG NODE_IMAGE=node:22.21-bookworm-slim

# Build every workspace (the references between them need all sources) with the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json tsconfig.build.json ./
COPY libs/contracts/package.json libs/contracts/
COPY libs/rewards/package.json libs/rewards/
COPY libs/aepo/package.json libs/aepo/
COPY libs/artifacts/package.json libs/artifacts/
COPY apps/api/package.json apps/api/
COPY apps/gpu-executor/package.json apps/gpu-executor/
COPY apps/cli/package.json apps/cli/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY libs/ libs/
COPY apps/api/ apps/api/
COPY apps/gpu-executor/ apps/gpu-executor/
COPY apps/cli/ apps/cli/
RUN npx tsc -b tsconfig.build.json

# Production dependencies of the API workspace only (the embedded Postgres is not needed: the chart
# always sets DATABASE_URL, so its install script stays off).
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
COPY libs/contracts/package.json libs/contracts/
COPY libs/rewards/package.json libs/rewards/
COPY libs/aepo/package.json libs/aepo/
COPY libs/artifacts/package.json libs/artifacts/
COPY apps/api/package.json apps/api/
COPY apps/gpu-executor/package.json apps/gpu-executor/
COPY apps/cli/package.json apps/cli/
RUN npm ci --no-audit --no-fund --omit=dev --ignore-scripts --workspace=@aepo/api \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
  AEPO_API_GRPC_ADDRESS=0.0.0.0:50051 \
  AEPO_API_HTTP_ADDRESS=0.0.0.0:8080
WORKDIR /app
# The repository's layout is kept: the migration runner finds migrations/ relative to its own file.
COPY --from=deps /src/package.json ./
COPY --from=deps /src/node_modules/ node_modules/
COPY --from=build /src/libs/contracts/package.json libs/contracts/
COPY --from=build /src/libs/contracts/dist/ libs/contracts/dist/
COPY --from=build /src/libs/rewards/package.json libs/rewards/
COPY --from=build /src/libs/rewards/dist/ libs/rewards/dist/
COPY --from=build /src/libs/artifacts/package.json libs/artifacts/
COPY --from=build /src/libs/artifacts/dist/ libs/artifacts/dist/
COPY --from=build /src/apps/api/package.json apps/api/
COPY --from=build /src/apps/api/dist/ apps/api/dist/
COPY migrations/ migrations/
# The node user of the base image (uid 1000); numeric so that runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 50051 8080
ENTRYPOINT ["node", "--enable-source-maps", "apps/api/dist/main.js"]
