"""Amazon Reviews 2023 source: layout, iterated k-core, time order, item text, CLI stats."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from recommender.config import DataConfig
from recommender.data import dataset_key, load_dataset
from recommender.data.amazon import find_files, k_core, product_item, read_amazon
from recommender.errors import DataError
from tests.test_cli import run_cli

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "amazon2023"
SPEC = f"amazon2023:{FIXTURE}"


def test_k_core_is_iterated_until_stable() -> None:
    # item 9 has exactly 2 interactions, one from user 3, who has only 1: user 3 goes first,
    # then item 9 (now 1), then user 2 (now 1). A single pass would keep users 0-2 and item 9.
    users = np.array([0, 0, 1, 1, 2, 2, 3])
    items = np.array([1, 2, 1, 2, 1, 9, 9])
    keep = k_core(users, items, 2)
    assert keep.tolist() == [True, True, True, True, False, False, False]
    single_pass = (np.bincount(users)[users] >= 2) & (np.bincount(items)[items] >= 2)
    assert single_pass.tolist() == [True, True, True, True, True, True, False]


def test_fixture_counts_after_the_5_core(tmp_path: Path) -> None:
    dataset = load_dataset(SPEC, DataConfig(cache_dir=tmp_path))
    assert (dataset.num_users, dataset.num_items, dataset.num_interactions) == (48, 36, 386)
    counts = np.bincount([i for s in dataset.sequences for i in s])
    assert min(len(s) for s in dataset.sequences) >= 5 and counts[1:].min() >= 5
    raw_ids = {item.raw_id for item in dataset.catalogue}
    # the rare product, the cascade product and the product without meta are all gone
    assert not raw_ids & {"B0RARE00001", "B0CASC00001", "B0NOMETA001"}
    assert "AESHORT4REVIEWS" not in dataset.user_ids
    assert not [u for u in dataset.user_ids if u.startswith("AEFEW")]
    assert dataset.name == dataset_key(SPEC) and dataset.name.startswith("amazon2023-Shop_Demo-")


def test_sequences_are_in_millisecond_order_and_repeats_keep_the_first(tmp_path: Path) -> None:
    reviews = [json.loads(line) for line in (FIXTURE / "Shop_Demo.jsonl").read_text().split("\n")
               if line]  # fmt: skip
    dataset = load_dataset(SPEC, DataConfig(cache_dir=tmp_path))
    by_raw = {item.raw_id: item.item_id for item in dataset.catalogue}
    for user in ("AE0020CUSTOMER", "AE0021CUSTOMER", "AE0005CUSTOMER"):
        own = [r for r in reviews if r["user_id"] == user and r["parent_asin"] in by_raw]
        own.sort(key=lambda r: r["timestamp"])  # stable: file order on ties
        expected, seen = [], set()
        for r in own:
            if r["parent_asin"] not in seen:
                seen.add(r["parent_asin"])
                expected.append(by_raw[r["parent_asin"]])
        sequence = dataset.sequences[dataset.user_ids.index(user)]
        assert sequence == expected
    user20 = dataset.sequences[dataset.user_ids.index("AE0020CUSTOMER")]
    assert len(user20) == len(set(user20))  # the repeated review was dropped
    stamps = dataset.timestamps[dataset.user_ids.index("AE0021CUSTOMER")]
    assert stamps == sorted(stamps) and stamps[-1] == stamps[-2]  # a tie, in file order
    assert 1_600_000_000 < stamps[0] < 1_800_000_000  # seconds, not milliseconds


def test_leave_one_out_as_for_movielens(tmp_path: Path) -> None:
    dataset = load_dataset(SPEC, DataConfig(cache_dir=tmp_path))
    split = dataset.split
    assert len(split.test_users) == len(split.valid_users) == 48
    assert split.test_targets[0] == dataset.sequences[0][-1]
    assert split.valid_targets[0] == dataset.sequences[0][-2]
    assert sum(len(s) for s in split.train) == 386 - 2 * 48


def test_item_text_has_title_store_categories_and_description(tmp_path: Path) -> None:
    catalogue = load_dataset(SPEC, DataConfig(cache_dir=tmp_path)).catalogue
    knife = catalogue.by_title("Stainless Steel Chef Knife 8 Inch")[0]
    assert knife.raw_id == "B0KIT00000" and knife.year is None
    assert knife.genres == ("Home & Kitchen", "Kitchen & Dining", "Cookware")
    assert knife.description.startswith("By KitchenPro. Stainless Steel Chef Knife")
    assert "Home & Kitchen" in knife.text and "KitchenPro" in knife.text
    novel = catalogue.by_title("The Quiet Orchard: A Novel")[0]
    assert novel.genres == ("Books",)  # empty categories: main_category stands in
    assert novel.description == "By Paper Lantern Press. Sturdy build One-year warranty"


def test_long_descriptions_are_cut_at_a_word() -> None:
    record = {"parent_asin": "X1", "title": "T", "store": "S", "description": ["word " * 500]}
    item = product_item(record)
    assert item is not None and len(item.description) <= 401 and item.description.endswith("…")
    assert product_item({"parent_asin": "X2", "title": "  "}) is None


def test_gzipped_and_plain_files_read_the_same(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copy(FIXTURE / "Shop_Demo.jsonl", plain)
    with gzip.open(FIXTURE / "meta_Shop_Demo.jsonl.gz", "rb") as fh:
        (plain / "meta_Shop_Demo.jsonl").write_bytes(fh.read())
    zipped = tmp_path / "zipped"
    zipped.mkdir()
    with gzip.open(zipped / "Shop_Demo.jsonl.gz", "wb") as fh:
        fh.write((FIXTURE / "Shop_Demo.jsonl").read_bytes())
    shutil.copy(FIXTURE / "meta_Shop_Demo.jsonl.gz", zipped)
    a = read_amazon(f"amazon2023:{plain}")
    b = read_amazon(f"amazon2023:{zipped / 'Shop_Demo.jsonl.gz'}")
    assert a.interactions == b.interactions and a.items == b.items


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no category with both"),
        ({"Toys.jsonl": ""}, "no category with both"),
        ({"Toys.jsonl": "{}\n", "meta_Toys.jsonl": ""}, "Toys.jsonl:1: a review needs"),
        ({"Toys.jsonl": "not json\n", "meta_Toys.jsonl": ""}, "Toys.jsonl:1: not a JSON"),
        (
            {"Toys.jsonl": "", "meta_Toys.jsonl": "", "Pets.jsonl": "", "meta_Pets.jsonl": ""},
            "several categories",
        ),
    ],
)
def test_bad_folders_are_clear_errors(tmp_path: Path, files: dict, message: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(DataError, match=message):
        read_amazon(f"amazon2023:{tmp_path}")


def test_missing_folder_says_where_to_get_the_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="data/README.md"):
        find_files(f"amazon2023:{tmp_path / 'nope'}")


def test_k_larger_than_the_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="lower data.min_count"):
        load_dataset(SPEC, DataConfig(cache_dir=tmp_path, min_count=50))


def test_cache_is_rebuilt_when_the_files_change(tmp_path: Path) -> None:
    folder = tmp_path / "cat"
    shutil.copytree(FIXTURE, folder)
    config = DataConfig(cache_dir=tmp_path / "cache")
    first = load_dataset(f"amazon2023:{folder}", config)
    lines = (folder / "Shop_Demo.jsonl").read_text().splitlines()
    extra = [json.dumps(dict(json.loads(lines[0]), user_id=f"NEW{n}", parent_asin=asin))
             for n in range(5) for asin in ("B0KIT00000", "B0KIT00001", "B0KIT00002",
                                            "B0KIT00003", "B0KIT00004")]  # fmt: skip
    (folder / "Shop_Demo.jsonl").write_text("\n".join(lines + extra) + "\n")
    second = load_dataset(f"amazon2023:{folder}", config)
    assert (first.num_users, second.num_users) == (48, 53)


def test_stats_cli_on_the_fixture(tmp_path: Path) -> None:
    result = run_cli("stats", "--dataset", SPEC, "--json", cache_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert (stats["users"], stats["items"], stats["interactions"]) == (48, 36, 386)
    assert stats["test_users"] == 48 and stats["items_with_year"] == 0
