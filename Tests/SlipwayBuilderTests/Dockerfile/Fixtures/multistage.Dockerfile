# syntax=docker/dockerfile:1
# check=error=true

ARG GO_VERSION=1.22
ARG BASE=alpine:3.19

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
# Download modules first so that they are cached.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=bind,source=go.mod,target=go.mod \
    go mod download -x
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,target=. \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /bin/server ./cmd/server

FROM build AS test
RUN --mount=type=cache,target=/go/pkg/mod go test ./...

FROM ${BASE} AS final
RUN --mount=type=cache,target=/var/cache/apk \
    apk --update add ca-certificates tzdata && update-ca-certificates
ARG UID=10001
RUN adduser --disabled-password --gecos "" --home "/nonexistent" --shell "/sbin/nologin" \
    --no-create-home --uid "${UID}" appuser
USER appuser
COPY --from=build /bin/server /bin/
COPY <<EOF /etc/server.conf
listen = :8080
EOF
ENV PORT=8080 \
    MODE="production"
LABEL org.opencontainers.image.title="server" \
      org.opencontainers.image.description="A server"
EXPOSE 8080/tcp
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/bin/server", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/bin/server"]
CMD ["--config", "/etc/server.conf"]
