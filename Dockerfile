# The nsapi server image: one static binary on an empty base image.
#
#   docker build -t nsapi .
#   docker run -p 127.0.0.1:5000:5000 nsapi
#
# The workspace's tests run during the build, so a failing test fails it.
# docs/docker.md describes the image and scripts/test-docker tests it.
#
# The file works with the classic builder as well as with BuildKit, so it
# uses no BuildKit-only syntax such as cache mounts. The dependency build is
# cached in a layer of its own instead, which only a change to a manifest or
# to Cargo.lock rebuilds.

# Version in the image labels. The build fails unless `nsapi --version`
# prints the same version.
ARG NSAPI_VERSION=0.1.0

# Stage 1: every manifest of the context, Cargo.lock, and stub sources at the
# paths cargo needs to load the workspace: src/lib.rs for each package, plus
# each `path` of a [lib], [[bin]], [[test]], [[bench]] or [[example]] table
# and each `build` script that a manifest names. The stubs depend only on
# the manifests, so the COPY --from in stage 2 stays cached while only
# sources change. NOTE: paths are read from double-quoted TOML strings only.
FROM rust:1.95-slim-bookworm AS manifests
WORKDIR /src
COPY . .
RUN set -eu; \
    mkdir /manifests; \
    cp Cargo.lock /manifests/; \
    find . -name Cargo.toml -not -path './target/*' | sort | while read -r manifest; do \
        dir="${manifest%/Cargo.toml}"; \
        mkdir -p "/manifests/$dir"; \
        cp "$manifest" "/manifests/$dir/"; \
        if grep -q '^\[package\]' "$manifest"; then \
            mkdir -p "/manifests/$dir/src"; \
            : > "/manifests/$dir/src/lib.rs"; \
        fi; \
        awk -F '"' '/^[[:space:]]*\[/ { section = $0; sub(/#.*/, "", section); gsub(/[[:space:]]/, "", section) }; \
            section ~ /^\[\[(bin|test|bench|example)\]\]$|^\[lib\]$/ && /^[[:space:]]*path[[:space:]]*=/ { print $2 }; \
            section == "[package]" && /^[[:space:]]*build[[:space:]]*=[[:space:]]*"/ { print $2 }' "$manifest" \
        | while read -r stub; do \
            mkdir -p "$(dirname "/manifests/$dir/$stub")"; \
            echo 'fn main() {}' > "/manifests/$dir/$stub"; \
        done; \
    done

# Stage 2: the dependency build, then the tests and the release binary.
FROM rust:1.95-slim-bookworm AS builder
ARG NSAPI_VERSION
WORKDIR /src

# The end-to-end tests signal the server with the `kill` command, which
# Debian's slim images lack. procps provides it.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends procps \
    && rm -rf /var/lib/apt/lists/*

# The release binary links glibc statically, so it runs on an empty base
# image. An explicit --target keeps +crt-static away from build scripts and
# proc macros, which must stay dynamic. Stripping the symbols takes about
# 2 MB off the binary, and panic messages keep their file and line.
ENV NSAPI_RUSTFLAGS="-C target-feature=+crt-static" \
    CARGO_PROFILE_RELEASE_STRIP=symbols

# Dependencies of the tests (dev profile) and of the release binary, built
# against the stub sources. The stubs are deleted afterwards, so none of
# them can end up in the real build.
COPY --from=manifests /manifests/ ./
RUN set -eu; \
    target="$(uname -m)-unknown-linux-gnu"; \
    cargo test --workspace --locked --no-run; \
    RUSTFLAGS="$NSAPI_RUSTFLAGS" cargo build --release --locked -p nsapi-server --target "$target"; \
    find . -path ./target -prune -o -name '*.rs' -type f -exec rm {} +

# The real sources. Their modification times come from the build context and
# may be older than the stub build. Touching them makes cargo rebuild the
# workspace crates instead of taking the stub artifacts for up to date. The
# target directory is deleted in the same step, which keeps this layer to
# the binary alone.
COPY . .
RUN set -eu; \
    find . -path ./target -prune -o -type f -exec touch {} +; \
    cargo test --workspace --locked; \
    target="$(uname -m)-unknown-linux-gnu"; \
    RUSTFLAGS="$NSAPI_RUSTFLAGS" cargo build --release --locked -p nsapi-server --target "$target"; \
    binary="target/$target/release/nsapi"; \
    if readelf --program-headers "$binary" | grep -q INTERP; then \
        echo "error: $binary is linked dynamically; the empty base image has no libc" >&2; \
        exit 1; \
    fi; \
    version="$("$binary" --version)"; \
    if [ "$version" != "nsapi $NSAPI_VERSION" ]; then \
        echo "error: NSAPI_VERSION is $NSAPI_VERSION but the binary prints '$version';" \
            "update ARG NSAPI_VERSION in the Dockerfile or pass --build-arg NSAPI_VERSION" >&2; \
        exit 1; \
    fi; \
    mkdir /out; \
    cp "$binary" /out/nsapi; \
    rm -rf target

# Stage 3: the runtime image, with nothing but the binary.
FROM scratch
ARG NSAPI_VERSION
LABEL org.opencontainers.image.title="nsapi" \
      org.opencontainers.image.description="HTTP API server built from pluggable namespaces, with OpenAPI documents and Swagger UI" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0" \
      org.opencontainers.image.version="${NSAPI_VERSION}"
COPY --from=builder /out/nsapi /nsapi
USER 10001:10001
ENV NSAPI_BIND=0.0.0.0:5000
EXPOSE 5000
# The image has no shell and no HTTP client, so the binary probes itself:
# `nsapi healthcheck` sends GET /healthz to NSAPI_BIND on loopback.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/nsapi", "healthcheck"]
ENTRYPOINT ["/nsapi"]
CMD ["serve"]
