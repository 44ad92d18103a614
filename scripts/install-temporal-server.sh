#!/usr/bin/env bash
# Builds the real Temporal server (the four services in one binary) and its
# SQL schema tool from the Go module proxy into .tools/temporal-server, for
# `npm run test:cluster`. Cached: does nothing when both binaries are present
# at the pinned version. Takes about ten minutes of CPU on a cold cache.
set -euo pipefail

TEMPORAL_SERVER_VERSION="v1.32.2"
GO_TOOLCHAIN="go1.26.10"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${repo_root}/.tools/temporal-server"
stamp="${tools_dir}/VERSION"

if [[ -x "${tools_dir}/server" && -x "${tools_dir}/sql" && "$(cat "${stamp}" 2>/dev/null || true)" == "${TEMPORAL_SERVER_VERSION}" ]]; then
  echo "temporal server ${TEMPORAL_SERVER_VERSION} already installed in ${tools_dir}"
  exit 0
fi

go_bin="${GO:-}"
if [[ -z "${go_bin}" ]]; then
  if command -v go >/dev/null 2>&1; then go_bin="$(command -v go)"
  elif [[ -x /usr/local/go/bin/go ]]; then go_bin=/usr/local/go/bin/go
  else
    echo "install-temporal-server: Go not found; install Go 1.26 or set GO=/path/to/go" >&2
    exit 1
  fi
fi

mkdir -p "${tools_dir}"
echo "building temporal server ${TEMPORAL_SERVER_VERSION} into ${tools_dir} (about ten minutes)"
GOTOOLCHAIN="${GO_TOOLCHAIN}" GOBIN="${tools_dir}" GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
  nice -n 10 "${go_bin}" install \
  "go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}" \
  "go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}"

for bin in server sql; do
  if [[ ! -x "${tools_dir}/${bin}" ]]; then
    echo "install-temporal-server: go install did not produce ${tools_dir}/${bin}" >&2
    exit 1
  fi
done
echo "${TEMPORAL_SERVER_VERSION}" > "${stamp}"
echo "temporal server ${TEMPORAL_SERVER_VERSION} installed in ${tools_dir}"
