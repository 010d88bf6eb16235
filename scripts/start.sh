#!/usr/bin/env bash
# The main job on the embedded defaults: install, then prepare MovieLens-1M, the item
# embeddings and the Chroma store (each step cached; a second run reuses everything).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python -m recommender prepare "$@"
