#!/usr/bin/env bash
# Install everything the tests need (Python packages, llama-cpp-python's OpenAI-compatible
# server, Chromium for the browser tests), then run them.
set -euo pipefail
cd "$(dirname "$0")/.."
SEQUEL_EXTRAS="dev,llamacpp,langchain" bash scripts/install.sh
if ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing Chromium for the browser tests (Debian package)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
fi
export GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/python -m pytest -q "$@"
