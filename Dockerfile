# syntax=docker/dockerfile:1
# The baton image: operator, conductor and simulator (`baton operator`, `baton conductor`, `baton sim ...`), the
# compiled code on Node.js 22, running as the non-root user the chart and the operator's pods use (10001).
#
#   docker build -t baton:0.1.0 .            (or: podman build, buildah bud, kaniko; any OCI builder)
#
# /app is assembled by bin/assemble-app.sh, the same script that builds the lab's offline image
# (e2e/cluster/images.sh), so what the lab's end-to-end tests run is what this file builds. Pin NODE_IMAGE by
# digest for reproducible builds (--build-arg NODE_IMAGE=node:22.23.3-bookworm-slim@sha256:...).
ARG NODE_IMAGE=node:22.23.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first, so a source change reuses this layer.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY proto proto
COPY cli cli
COPY conductor conductor
COPY operator operator
COPY e2e e2e
RUN bash bin/assemble-app.sh /src /app

FROM ${NODE_IMAGE}
COPY --from=build --chown=0:0 /app /app
RUN ln -s /app/bin/baton.js /usr/local/bin/baton \
  && groupadd --system --gid 10001 baton \
  && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --shell /usr/sbin/nologin baton
ENV NODE_ENV=production HOME=/tmp
WORKDIR /app
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/baton"]
CMD ["--help"]
