# firsthop container image: one static binary on an empty base.
#
#   docker build -t firsthop \
#     --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg REVISION=$(git rev-parse HEAD) .
#   docker run --rm firsthop version
#   (--build-arg POLLER_OVERLAY=1: the opt-in poller experiment, see below)
#   docker run --rm -p 8080:8080 firsthop        # the demo: curl http://127.0.0.1:8080/
#   docker run --rm -p 8080:8080 -v $PWD/my.yaml:/etc/firsthop/firsthop.yaml:ro firsthop
#
# The final image holds /firsthop (stripped: -s -w), the CA certificates,
# an /etc/passwd naming the non-root user 65532 it runs as, and the demo
# config examples/standalone-container.yaml as its default
# /etc/firsthop/firsthop.yaml (0.0.0.0:8080 to the built-in echo backend);
# there is no shell. The build
# stage cross-compiles for the target platform (docker buildx build
# --platform linux/arm64 ...) without emulation.
# e2e/image_linux_test.go builds this file with buildah on every CI run.

FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
ARG VERSION
# The stock Go runtime by default. --build-arg POLLER_OVERLAY=1 opts into
# the experiment of cmd/netpolloverlay (the runtime's poller running ready
# goroutines first-ready first; cmd/netpolloverlay/PROPOSAL.md): that
# build fails if the toolchain's poller is not one the overlay knows.
ARG POLLER_OVERLAY=0
RUN overlay= && \
    if [ "$POLLER_OVERLAY" = 1 ]; then \
        go run ./cmd/netpolloverlay -o /tmp/overlay -goos "$TARGETOS" >/dev/null && \
        overlay=-overlay=/tmp/overlay/overlay.json; \
    elif [ "$POLLER_OVERLAY" != 0 ]; then \
        echo "POLLER_OVERLAY=$POLLER_OVERLAY: want 0 (stock runtime) or 1" >&2; exit 1; \
    fi && \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath $overlay -ldflags "-s -w -X main.version=$VERSION" -o /out/firsthop ./cmd/firsthop
RUN printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n' >/out/passwd && \
    printf 'root:x:0:\nnonroot:x:65532:\n' >/out/group

FROM scratch
ARG VERSION
ARG REVISION
ARG CREATED
LABEL org.opencontainers.image.title="firsthop" \
      org.opencontainers.image.description="Reverse proxy and Kubernetes ingress controller that hands every backend the real client IP, safely" \
      org.opencontainers.image.source="https://github.com/firsthop/firsthop" \
      org.opencontainers.image.url="https://github.com/firsthop/firsthop" \
      org.opencontainers.image.documentation="https://github.com/firsthop/firsthop#readme" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.created="$CREATED"
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/passwd /etc/passwd
COPY --from=build /out/group /etc/group
COPY --from=build /out/firsthop /firsthop
COPY examples/standalone-container.yaml /etc/firsthop/firsthop.yaml
USER 65532:65532
ENTRYPOINT ["/firsthop"]
CMD ["serve", "--config", "/etc/firsthop/firsthop.yaml"]
