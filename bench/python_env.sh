#!/usr/bin/env bash
# The Python environment of the benchmarks and experiment runners: a virtualenv in bench/.venv
# (git-ignored) with the PyPI packages they need, made on first use. Prints the interpreter's
# path, so scripts run as
#   "$(bench/python_env.sh)" bench/reference_syn_numpy.py ...
# Extra arguments are further packages to install (e.g. implicit).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
packages=(numpy matplotlib "$@")
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2 || {
    echo "bench/python_env.sh: python3 -m venv failed; on Debian install python3-venv" >&2
    exit 1
  }
fi
missing=()
for p in "${packages[@]}"; do
  "$venv/bin/python" -c "import ${p%%[=<>]*}" 2>/dev/null || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/python_env.sh: installing ${missing[*]} into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}" >&2
fi
echo "$venv/bin/python"
