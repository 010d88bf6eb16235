"""``python -m recommender <command>``: the offline pipeline and small query tools.

Each command lives in ``recommender/commands/<name>.py`` with ``register(subparsers)`` and
``run(args, config) -> int``. Errors a user can cause print one line and exit non-zero.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from recommender.config import ConfigError, load_config
from recommender.errors import SequelError

COMMANDS = (
    "prepare",
    "stats",
    "search",
    "train",
    "finetune",
    "finetune-explainer",
    "report",
    "serve",
)

log = logging.getLogger("recommender")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m recommender",
        description="Sequel: prepare data, train and query the recommender.",
    )
    parser.add_argument("--config", type=Path, help="TOML config file (see README)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"recommender.commands.{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            if exc.name != f"recommender.commands.{name.replace('-', '_')}":
                raise
            continue  # a command whose module is not written yet
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("httpx", "chromadb", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        config = load_config(args.config)
        return int(args.run(args, config) or 0)
    except (SequelError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
