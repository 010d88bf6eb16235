"""Short fingerprints of trained artefacts, so one artefact can name the one it was built on."""

from __future__ import annotations

import hashlib
from pathlib import Path


def artifact_digest(path: Path) -> str:
    """sha256 of a file, or of every file of a folder (names and contents), first 12 hex.

    The LLM-SRec heads store the digest of the LLM2SASRec checkpoint they were trained and
    tuned with; the benchmarks key their caches on it.
    """
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:12]
