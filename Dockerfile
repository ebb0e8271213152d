# drowse in a container: a small non-root image with only production dependencies.
#
#   npm run image                     # builds drowse:local here (makes a local Node base if none can be pulled)
#   docker build -t drowse .          # where a registry is reachable
#   docker build --build-arg NODE_IMAGE=node:24-bookworm-slim --build-arg DOCKER_GID=$(stat -c %g /var/run/docker.sock) -t drowse .
#
# Plain Dockerfile syntax (no RUN --mount, no heredocs): it builds with BuildKit and with the
# legacy builder alike, since engines without buildx still use the latter.

# Any image with Node >= 22, npm and /bin/sh; overridable because not every machine reaches a registry.
ARG NODE_IMAGE=node:24-alpine

# Production dependencies, from the lock file alone: this layer is rebuilt only when
# package.json or package-lock.json change, never for a source edit.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: drowse needs no install script (ssh2's optional native binding is left out;
# it has a JavaScript fallback, and drowse does not use ssh).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The build: every dependency (esbuild among them), then the bundle of src/ (scripts/build.ts).
# --ignore-scripts also skips the `node` devDependency's own Node download: the base image's
# Node builds; esbuild runs from its platform package without its install script.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.ts ./scripts/
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE}
# The gid of the host's Docker socket, for a build that bakes it in (the alternative at run time:
# `docker run --group-add "$(stat -c %g /var/run/docker.sock)"`, or `group_add` in compose).
ARG DOCKER_GID=
# The control socket goes to $XDG_RUNTIME_DIR/drowse/control.sock for a non-root user: with /run
# that is /run/drowse/control.sock, the documented default, in a directory the drowse user owns.
ENV XDG_RUNTIME_DIR=/run
# A user of its own (10001, clear of the base images' 1000 "node"), written straight into
# /etc/passwd so the same lines work on Alpine, Debian and a busybox base; `drowse` on the PATH.
RUN echo 'drowse:x:10001:10001:drowse:/app:/bin/false' >> /etc/passwd \
 && echo 'drowse:x:10001:' >> /etc/group \
 && if [ -n "$DOCKER_GID" ]; then echo "docker-host:x:${DOCKER_GID}:drowse" >> /etc/group; fi \
 && mkdir -p /run/drowse /etc/drowse /var/lib/drowse \
 && chown 10001:10001 /run/drowse /var/lib/drowse \
 && printf '#!/bin/sh\nexec node --max-semi-space-size=2 /app/dist/drowse.cjs "$@"\n' > /usr/local/bin/drowse \
 && chmod 755 /usr/local/bin/drowse
WORKDIR /app
# Least-changing first, so a source edit rebuilds only the last layer.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY config ./config
COPY views ./views
COPY public ./public
COPY --from=build /app/dist ./dist
# The app's files stay root's: the drowse user can read them, not change them.
USER drowse
EXPOSE 8080
# Config: mount a file at /etc/drowse/drowse.yaml (the lookup reads it); without one drowse runs
# the embedded default (labelled containers on the local socket, HTTP on :8080).
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 CMD ["drowse", "health"]
ENTRYPOINT ["drowse"]
CMD ["serve"]
