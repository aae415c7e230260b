# syntax=docker/dockerfile:1.7
# AEPO GPU executor image: docker build -f deploy/docker/executor.Dockerfile -t aepo-executor .
# CUDA base with the engine's locked Python dependencies (PyTorch from uv.lock: the PyPI wheel brings
# its CUDA runtime libraries, the NVIDIA container toolkit brings the driver), the Node runtime and the
# built executor. The executor spawns the engine as `uv run --frozen --project apps/gpu-executor/engine`.
ARG NODE_IMAGE=node:22.21-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-base-ubuntu24.04
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

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
RUN npx tsc -b tsconfig.build.json \
  && npm ci --no-audit --no-fund --omit=dev --ignore-scripts --workspace=@aepo/gpu-executor

FROM ${CUDA_IMAGE} AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3.12 ca-certificates tini \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --uid 10001 --user-group --home-dir /var/lib/aepo --create-home aepo
COPY --from=uv /uv /usr/local/bin/uv
COPY --from=build /usr/local/bin/node /usr/local/bin/node
ENV UV_PYTHON=/usr/bin/python3.12 \
  UV_PYTHON_DOWNLOADS=never \
  UV_COMPILE_BYTECODE=1 \
  UV_LINK_MODE=copy \
  UV_NO_CACHE=1
WORKDIR /app
# Dependencies first (a multi-GB layer that changes only with uv.lock), then the engine's own code.
COPY apps/gpu-executor/engine/pyproject.toml apps/gpu-executor/engine/uv.lock apps/gpu-executor/engine/
RUN uv sync --frozen --no-dev --no-install-project --project apps/gpu-executor/engine
COPY apps/gpu-executor/engine/aepo_engine/ apps/gpu-executor/engine/aepo_engine/
RUN uv sync --frozen --no-dev --project apps/gpu-executor/engine
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules/ node_modules/
COPY --from=build /src/libs/contracts/package.json libs/contracts/
COPY --from=build /src/libs/contracts/dist/ libs/contracts/dist/
COPY --from=build /src/libs/rewards/package.json libs/rewards/
COPY --from=build /src/libs/rewards/dist/ libs/rewards/dist/
COPY --from=build /src/libs/aepo/package.json libs/aepo/
COPY --from=build /src/libs/aepo/dist/ libs/aepo/dist/
COPY --from=build /src/libs/artifacts/package.json libs/artifacts/
COPY --from=build /src/libs/artifacts/dist/ libs/artifacts/dist/
COPY --from=build /src/apps/gpu-executor/package.json apps/gpu-executor/
COPY --from=build /src/apps/gpu-executor/dist/ apps/gpu-executor/dist/
# At run time the environment is used as built: no sync, no cache writes (read-only root filesystem).
ENV NODE_ENV=production \
  UV_NO_SYNC=1 \
  UV_FROZEN=1 \
  HOME=/var/lib/aepo \
  AEPO_ENGINE_MODEL_CACHE=/var/lib/aepo/models \
  HF_HOME=/var/lib/aepo/models/huggingface
USER 10001:10001
EXPOSE 9400
# tini forwards SIGTERM to the executor, which checkpoints and releases its lease before exiting.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--enable-source-maps", "apps/gpu-executor/dist/main.js"]
