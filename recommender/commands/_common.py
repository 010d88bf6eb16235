"""Argument helpers shared by commands."""

from __future__ import annotations

import argparse

from recommender.config import Config


def add_dataset_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        default=None,
        help="ml-1m, ml-100k, a folder with items.csv + interactions.csv, or "
        "amazon2023:PATH (a folder with <Category>.jsonl[.gz] + meta_<Category>.jsonl[.gz]) "
        "(default: data.dataset from the config, ml-1m)",
    )


def dataset_name(args: argparse.Namespace, config: Config) -> str:
    return args.dataset or config.data.dataset
