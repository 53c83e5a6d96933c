#!/usr/bin/env bash
# Builds (or reuses) the binaries of the real test cluster and prints the
# directory that holds them on stdout; progress goes to stderr.
#
# The cache lives outside the checkout, keyed by everything that decides the
# output (pinned versions, both modules' go.mod/go.sum, the hyperkube main,
# this script and the Go version), so a fresh clone on a machine that has
# built once reuses it. Go's own GOCACHE/GOMODCACHE stay where Go puts them.
#
#   scripts/realcluster/build.sh            build if needed, print the dir
#   scripts/realcluster/build.sh --key      print the cache dir without building
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
src="$repo/tests/realcluster"
# shellcheck source=/dev/null
. "$src/versions.env"
kdir="$src/kube"
if [ "${1:-}" = "--kubernetes-version" ]; then
  # Another release lives in its own module, tests/realcluster/kube-<version>.
  if [ "${2:-}" != "$KUBERNETES_VERSION" ]; then
    kdir="$src/kube-${2:-}"
    [ -f "$kdir/go.mod" ] || { echo "error: no module for Kubernetes ${2:-} (want tests/realcluster/kube-${2:-}/go.mod; have $(cd "$src" && ls -d kube kube-* 2>/dev/null | paste -sd' '))" >&2; exit 2; }
    KUBERNETES_VERSION=$2
  fi
  shift 2
fi

export GOTOOLCHAIN=local GOFLAGS="-trimpath -buildvcs=false -mod=readonly"

command -v go >/dev/null || { echo "error: go not found (the real cluster is built from the Go module proxy)" >&2; exit 1; }

key=$( { echo "$KUBERNETES_VERSION"; cat "$src/versions.env" "$kdir/go.mod" "$kdir/go.sum" "$kdir/main.go" \
              "$src/runtime/go.mod" "$src/runtime/go.sum" "$src/runtime/pause/main.go" "$0"; go version; } | sha256sum | cut -c1-16)
cache="${SATOKEN_REALCLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-satoken/realcluster}"
out="$cache/$key"
if [ "${1:-}" = "--key" ]; then echo "$out"; exit 0; fi
if [ -f "$out/.complete" ]; then
  echo "realcluster: reusing cached build $out" >&2
  echo "$out"; exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log="$tmp/build.log"
start=$(date +%s)
say() { echo "realcluster: [$(( $(date +%s) - start ))s] $*" >&2; }

# go build -v names each package it compiles (cached ones are silent), so the
# count against `go list -deps` is the progress of a cold build.
build() { # label, expected packages, dir, go build args...
  local label=$1 total=$2 dir=$3; shift 3
  say "$label: compiling up to $total packages"
  set +e
  ( cd "$dir" && nice -n 19 /usr/bin/time -v -o "$tmp/$label.time" go build -v "$@" ) 2>&1 \
    | tee -a "$log" | awk -v l="$label" -v t="$total" '
        /^[a-z0-9.-]+(\/[^ ]*)?$/ { n++; if (n % 200 == 0) { printf "realcluster:   %s %d/%d packages\n", l, n, t > "/dev/stderr"; fflush("/dev/stderr") } ; next }
        { print > "/dev/stderr"; fflush("/dev/stderr") }'
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" != 0 ]; then say "$label: go build failed (log: $log)"; trap - EXIT; exit 1; fi
  say "$label: done, $(awk -F': ' '/Elapsed/{print "wall " $2} /Maximum resident/{print "max RSS " int($2/1024) " MiB"}' "$tmp/$label.time" | paste -sd, -)"
  cat "$tmp/$label.time" >> "$log"
}

kpkgs=$(cd "$kdir" && go list -deps ./... | wc -l)
ETCD_VERSION=$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2 }' "$kdir/go.mod")
say "nothing cached under this key: building Kubernetes $KUBERNETES_VERSION + etcd $ETCD_VERSION, containerd $CONTAINERD_VERSION, runc $RUNC_VERSION into $out"
# Measured on 2 shared cores (load ~11): kube 22 min (2,822 packages, max RSS 2.4 GiB), containerd+shim+runc 1.5 min.
say "estimate: 20-30 min on 2 cores with an empty GOCACHE, about 1-2 min with a warm one; modules come from the Go proxy"
( cd "$kdir" && go mod download ) >&2
( cd "$src/runtime" && go mod download ) >&2

kv=${KUBERNETES_VERSION#v}
ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld="$ld -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=${kv%%.*} -X $pkg.gitMinor=$(echo "$kv" | cut -d. -f2)"
  ld="$ld -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
mkdir -p "$tmp/bin"
CGO_ENABLED=0 build kube "$kpkgs" "$kdir" -ldflags "$ld" -o "$tmp/bin/kube" .

rtags="no_btrfs no_zfs no_devmapper urfave_cli_no_docs"
rpkgs=$(cd "$src/runtime" && go list -deps -tags "$rtags" tool | wc -l)
cv="-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION"
CGO_ENABLED=0 build containerd "$rpkgs" "$src/runtime" -tags "$rtags" -ldflags "$cv" -o "$tmp/bin/" \
  github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/ctr
CGO_ENABLED=0 build shim 100 "$src/runtime" -tags "$rtags no_grpc" -ldflags "$cv" -o "$tmp/bin/" \
  github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2
CGO_ENABLED=0 build pause 10 "$src/runtime" -ldflags "-s -w" -o "$tmp/bin/pause" ./pause
# runc needs cgo (libcontainer/nsenter); seccomp when Debian's libseccomp-dev is there.
rctags="urfave_cli_no_docs"
if pkg-config --exists libseccomp 2>/dev/null; then rctags="seccomp $rctags"; else say "runc: libseccomp-dev missing, building without seccomp"; fi
CGO_ENABLED=1 build runc 200 "$src/runtime" -tags "$rctags" \
  -ldflags "-s -w -X main.version=${RUNC_VERSION#v}" -o "$tmp/bin/runc" github.com/opencontainers/runc

for n in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl; do ln -s kube "$tmp/bin/$n"; done
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "kubernetes=$KUBERNETES_VERSION etcd=$ETCD_VERSION containerd=$CONTAINERD_VERSION runc=$RUNC_VERSION seconds=$(( $(date +%s) - start ))" > "$out/.complete"
say "build complete: $out"
# Older keys (other pins, or an older build script) are kept for the 3 newest builds only (~230 MB each).
ls -1dt "$cache"/*/.complete 2>/dev/null | tail -n +4 | while read -r f; do rm -rf "$(dirname "$f")"; done
echo "$out"
