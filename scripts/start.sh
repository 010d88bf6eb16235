#!/usr/bin/env bash
# The main job on the embedded defaults: install, then start the chat app. The first start
# prepares MovieLens-1M, the item embeddings, the Chroma store and the local LLM (each step
# cached, with progress shown); later starts reuse them. Extra arguments go to app.py
# (--host, --port, --config).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/python app.py "$@"
