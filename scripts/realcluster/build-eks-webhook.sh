#!/usr/bin/env bash
# Builds (or reuses) the EKS pod identity webhook of the real cluster's eks profile
# (tests/realcluster/eks-webhook: the upstream webhook's packages behind a loopback-only main)
# and prints the binary's path on stdout; progress goes to stderr.
#
# Its own cache key (the module's go.mod/go.sum/main.go, this script, the Go version), beside
# build.sh's: the cluster's binaries are not rebuilt when only the webhook changes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)/tests/realcluster/eks-webhook
export GOTOOLCHAIN=local GOFLAGS="-trimpath -buildvcs=false -mod=readonly"
command -v go >/dev/null || { echo "error: go not found (the webhook is built with Go from the module proxy)" >&2; exit 1; }

key=$( { cat "$src/go.mod" "$src/go.sum" "$src/main.go" "$0"; go version; } | sha256sum | cut -c1-16)
cache="${SATOKEN_REALCLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-satoken/realcluster}"
out="$cache/eks-webhook-$key"
if [ -x "$out/pod-identity-webhook" ]; then
  echo "$out/pod-identity-webhook"; exit 0
fi
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.eks-webhook.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "realcluster: building the EKS pod identity webhook ($(cd "$src" && go list -deps . | wc -l) packages; 8 s measured with the cluster's GOCACHE warm)" >&2
( cd "$src" && go mod download && CGO_ENABLED=0 nice -n 19 go build -ldflags "-s -w" -o "$tmp/pod-identity-webhook" . ) >&2
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "realcluster: EKS pod identity webhook built in $(( $(date +%s) - start ))s: $out" >&2
# Older keys: the two newest are kept.
ls -1dt "$cache"/eks-webhook-* 2>/dev/null | tail -n +3 | while read -r d; do rm -rf "$d"; done
echo "$out/pod-identity-webhook"
