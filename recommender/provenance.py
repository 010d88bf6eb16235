"""What produced a result: digests of its checkpoints, data and config, the command, the commit.

Every benchmark writes a ``provenance`` object into its results JSON::

    from recommender.provenance import collect_provenance

    result["provenance"] = collect_provenance(
        command="python benchmarks/x.py " + shlex.join(argv),
        artifacts={"checkpoint": Path("checkpoints/ml-1m-llm2sasrec.pt")},
        dataset=dataset,  # a loaded recommender.data.Dataset (content digest)
        config={"users": 1000, "seed": 0},  # anything JSON-able that shaped the run
    )

The object (``schema`` 1)::

    status        "recorded" (written by the run) | "retrofitted" (added later, see "how")
    command       the command line
    git_commit    HEAD when the run started (null when unknown); git_dirty: tracked files
                  differed from it (the run's code is then not exactly that commit)
    committed_in  retrofitted only: the commit that added the result file
    artifacts     {role: {"path", "digest"}}: artifact_digest of each checkpoint / adapter /
                  heads file; digest null = unknown
    data          {"name", "digest"}: dataset_digest of the interactions and catalogue
    config        {"digest", "values"}: sha256 of the canonical JSON of the config
    recorded_at   ISO time
    how           retrofitted only: how each field was established, and the command to check it

The report (``python -m recommender report``) reads ``artifacts`` to keep tables from mixing
runs of different checkpoints silently, and says "unknown" where a digest is null.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recommender.digest import artifact_digest

if TYPE_CHECKING:
    from recommender.data.dataset import Dataset

SCHEMA = 1
REPO_ROOT = Path(__file__).resolve().parent.parent


def _git(args: Sequence[str], cwd: Path) -> str | None:
    """Output of a git command, or None when git or the repository is unavailable."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def git_state(repo: Path = REPO_ROOT) -> tuple[str | None, bool | None]:
    """(HEAD commit, whether tracked files differ from it); (None, None) outside git."""
    commit = _git(["rev-parse", "HEAD"], repo)
    if commit is None:
        return None, None
    status = _git(["status", "--porcelain", "--untracked-files=no"], repo)
    return commit, bool(status) if status is not None else None


def dataset_digest(dataset: Dataset) -> str:
    """sha256 (first 12 hex) of a dataset's content: items (id, raw id, title) and sequences.

    Independent of where and how the dataset was cached: two preparations that give the same
    users, items and orders (including the order of timestamp ties) have the same digest.
    """
    digest = hashlib.sha256()
    for item in dataset.catalogue.items:
        digest.update(f"{item.item_id}\t{item.raw_id}\t{item.title}\n".encode())
    for user, sequence in zip(dataset.user_ids, dataset.sequences, strict=True):
        digest.update(f"{user}:{','.join(map(str, sequence))}\n".encode())
    return digest.hexdigest()[:12]


def _jsonable(value: Any) -> Any:
    """Dataclasses as dicts, paths and other objects as strings, containers recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def config_digest(config: Any) -> tuple[str, Any]:
    """(sha256 first 12 hex of the canonical JSON, the JSON-able values) of a config."""
    values = _jsonable(config)
    text = json.dumps(values, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12], values


def _relative(path: Path, repo: Path) -> str:
    try:
        return str(path.resolve().relative_to(repo))
    except ValueError:
        return str(path)


def collect_provenance(
    command: str,
    artifacts: Mapping[str, Path | None] | None = None,
    dataset: Dataset | None = None,
    config: Any = None,
    repo: Path = REPO_ROOT,
    git: tuple[str | None, bool | None] | None = None,
) -> dict[str, Any]:
    """The ``provenance`` object of a result (see the module docstring).

    ``git``: :func:`git_state` taken when the run started (long runs may outlast a commit);
    by default it is taken now.
    """
    commit, dirty = git if git is not None else git_state(repo)
    recorded: dict[str, Any] = {}
    for role, path in (artifacts or {}).items():
        if path is None:
            continue
        path = Path(path)
        recorded[role] = {
            "path": _relative(path, repo),
            "digest": artifact_digest(path) if path.exists() else None,
        }
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "status": "recorded",
        "command": command,
        "git_commit": commit,
        "git_dirty": dirty,
        "artifacts": recorded,
        "data": None
        if dataset is None
        else {"name": dataset.name, "digest": dataset_digest(dataset)},
        "config": None,
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if config is not None:
        digest, values = config_digest(config)
        out["config"] = {"digest": digest, "values": values}
    return out


def digest_at_commit(path: str, commit: str, repo: Path = REPO_ROOT) -> str | None:
    """``artifact_digest`` of a committed file as it was at ``commit`` (None if absent).

    For checking what a result that predates provenance was made with: a result that names
    a checkpoint by path can be matched against that path's history.
    """
    try:
        blob = subprocess.run(
            ["git", "show", f"{commit}:{path}"], cwd=repo, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / Path(path).name  # the digest includes the file name
        copy.write_bytes(blob)
        return artifact_digest(copy)


def artifact_digests(provenance: Mapping[str, Any] | None) -> dict[str, str | None]:
    """{role: digest or None} of a provenance object (empty when there is none)."""
    if not provenance:
        return {}
    return {role: entry.get("digest") for role, entry in provenance.get("artifacts", {}).items()}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m recommender.provenance [--at COMMIT] PATH...``: print artifact digests."""
    parser = argparse.ArgumentParser(
        prog="python -m recommender.provenance",
        description="artifact_digest of files, now or as committed at a git commit",
    )
    parser.add_argument("paths", nargs="+", help="files or folders (repository paths with --at)")
    parser.add_argument("--at", metavar="COMMIT", help="the file as it was at this commit")
    args = parser.parse_args(argv)
    for path in args.paths:
        digest = digest_at_commit(path, args.at) if args.at else artifact_digest(Path(path))
        print(f"{digest or 'absent'}  {path}" + (f" @ {args.at}" if args.at else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
