"""The CLI: --help everywhere, JSON stats, search, and clear errors without tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recommender.cli import COMMANDS, build_parser, main
from recommender.data.sources import DATASET_SOURCES, Source
from tests.test_data import write_byo

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, cache_dir):
    env = dict(os.environ, SEQUEL_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "recommender", *args], capture_output=True, text=True, env=env
    )


def test_help_on_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    capsys.readouterr()
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    available = set(subparsers.choices)
    assert {"prepare", "stats", "search"} <= available <= set(COMMANDS)
    for command in available:
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        assert "usage:" in capsys.readouterr().out


def test_stats_json_on_byo(tmp_path):
    folder = write_byo(tmp_path / "shop")
    result = run_cli("stats", "--dataset", str(folder), "--json", cache_dir=tmp_path / "c")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert (stats["users"], stats["items"], stats["interactions"]) == (6, 6, 36)
    assert stats["avg_seq_len"] == 6.0 and stats["items_with_title"] == 6


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("unknown", "unknown dataset 'ml-20m'"),
        ("bad-csv", "items.csv:3: duplicate id"),
        ("binary-csv", "not valid UTF-8"),
    ],
)
def test_bad_input_exits_non_zero_without_traceback(tmp_path, setup, message):
    folder = write_byo(tmp_path / "shop")
    if setup == "bad-csv":
        (folder / "items.csv").write_text("id,title\na,A\na,B\n")
    if setup == "binary-csv":
        (folder / "items.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    dataset = "ml-20m" if setup == "unknown" else str(folder)
    result = run_cli("stats", "--dataset", dataset, cache_dir=tmp_path / "c")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ("unreachable", "could not fetch the dataset from any source"),
        ("corrupted", "checksum mismatch"),
    ],
)
def test_unreachable_and_corrupted_sources(tmp_path, monkeypatch, capsys, sources, message):
    served = tmp_path / "ml-1m.zip"
    served.write_bytes(b"not what was promised")
    source = {
        "unreachable": Source("url", "http://127.0.0.1:9/ml.zip", "ml.zip", "md5", "0", "x", ""),
        "corrupted": Source("url", served.as_uri(), "dl.zip", "sha256", "0" * 64, "x", ""),
    }[sources]
    monkeypatch.setitem(DATASET_SOURCES, "ml-1m", (source,))
    monkeypatch.setenv("SEQUEL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SEQUEL_DATA__CACHE_DIR", str(tmp_path / "cache"))
    assert main(["stats", "--dataset", "ml-1m"]) == 2
    assert message in capsys.readouterr().err


def test_bad_config_is_reported(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("[data]\nmin_count = 'many'\n")
    assert main(["--config", str(config), "stats"]) == 2
    assert "cannot read 'many' as int" in capsys.readouterr().err


@pytest.mark.integration
def test_search_with_filters_on_byo(tmp_path):
    folder = write_byo(tmp_path / "shop", items=8)
    result = run_cli(
        "search", "--dataset", str(folder), "garden tools", "-k", "3", "--year-to", "2014",
        "--json", cache_dir=tmp_path / "c",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 3 and all(row["year"] <= 2014 for row in rows)
    bad = run_cli("search", "--dataset", str(folder), "x", "--genre", "Horror",
                  cache_dir=tmp_path / "c")  # fmt: skip
    assert bad.returncode == 2 and "unknown genre(s) Horror" in bad.stderr


def test_finetune_refuses_a_retriever_of_another_dataset(tmp_path):
    # the committed ML-1M checkpoint cannot supply negatives for a 6-item BYO catalogue
    folder = write_byo(tmp_path / "shop")
    result = run_cli("finetune", "--dataset", str(folder), "--steps", "1", cache_dir=tmp_path / "c")
    assert result.returncode == 2
    assert "--negatives popular" in result.stderr and "Traceback" not in result.stderr


def test_train_options_for_cheaper_steps_reach_the_configs():
    from recommender.commands.train import configs_from_args
    from recommender.models import SASRecConfig
    from recommender.training import TrainConfig

    parser = build_parser()
    model, train = configs_from_args(parser.parse_args(["train"]))
    assert model == SASRecConfig() and train == TrainConfig()  # defaults: today's behaviour
    argv = ["train", "--attn-dropout", "0", "--sampled-negatives", "1024"]
    model, train = configs_from_args(parser.parse_args([*argv, "--negative-sampler", "popularity"]))
    assert model.attn_dropout == 0.0
    assert train.sampled_negatives == 1024 and train.negative_sampler == "popularity"
