"""Amazon Reviews 2023 (McAuley lab; the data LLM-SRec is evaluated on) as a dataset source.

``--dataset amazon2023:PATH``: PATH is a folder with one category's two files (or the reviews
file itself), gzipped or not:

- ``<Category>.jsonl[.gz]``: one review per line; only ``user_id``, ``parent_asin`` and
  ``timestamp`` (milliseconds) are read.
- ``meta_<Category>.jsonl[.gz]``: one product per line: ``parent_asin``, ``title``,
  ``store``, ``categories``, ``main_category``, ``description``, ``features``, ...

Preprocessing, in this order:

1. every review is a purchase; interactions are sorted stably by their millisecond timestamp
   (ties keep the file order), and a user's repeated review of one product keeps the first;
2. k-core filter (``k = data.min_count``, default 5): users and products with fewer than k
   interactions are dropped, **repeated until nothing changes** (dropping a user can push a
   product under k and the other way round), so every kept user and product has >= k;
3. products without a meta record or without a title are dropped, and the k-core is run again;
4. leave-one-out as for ML-1M (last purchase test, the one before validation).

Item text (what is embedded): the product title; the categories (``main_category`` when the
list is empty) as the item's genres; ``By <store>.`` and the description (the features when
there is none), cut to ``DESCRIPTION_CHARS`` at a word boundary. Products have no year.

On a machine with internet, one category's files come from the release's public pages,
https://amazon-reviews-2023.github.io/ (files under
https://datarepo.eng.ucsd.edu/mcauley_group/data/amazon_2023/raw/review_categories/ and
.../raw/meta_categories/). Nothing here downloads them: put both files in one folder.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommender.data.movielens import RawData, RawItem
from recommender.errors import DataError

log = logging.getLogger(__name__)

PREFIX = "amazon2023:"
DESCRIPTION_CHARS = 400  # item description (store + text) is cut here, at a word boundary
TITLE_CHARS = 200  # product titles longer than this are cut
_SUFFIXES = (".jsonl.gz", ".jsonl")


def is_amazon_spec(name: str) -> bool:
    """True for ``amazon2023:PATH`` dataset names."""
    return name.startswith(PREFIX)


@dataclass(frozen=True)
class AmazonFiles:
    """The two files of one category."""

    category: str  # e.g. "All_Beauty"
    reviews: Path  # <Category>.jsonl[.gz]
    meta: Path  # meta_<Category>.jsonl[.gz]


def _category_of(path: Path) -> str | None:
    for suffix in _SUFFIXES:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return None


def find_files(spec: str) -> AmazonFiles:
    """The reviews and meta files named by ``amazon2023:PATH`` (a folder or the reviews file)."""
    path = Path(spec[len(PREFIX) :] if is_amazon_spec(spec) else spec).expanduser()
    if path.is_file():
        folder, wanted = path.parent, _category_of(path)
        if wanted is None or wanted.startswith("meta_"):
            raise DataError(f"{path}: expected a reviews file <Category>.jsonl[.gz]")
    elif path.is_dir():
        folder, wanted = path, None
    else:
        raise DataError(
            f"{path}: no such folder; amazon2023:PATH needs a folder with <Category>.jsonl[.gz] "
            "and meta_<Category>.jsonl[.gz] (see data/README.md for where to download them)"
        )
    reviews: dict[str, Path] = {}
    metas: dict[str, Path] = {}
    for file in sorted(folder.iterdir()):
        category = _category_of(file) if file.is_file() else None
        if category is None:
            continue
        if category.startswith("meta_"):
            metas.setdefault(category[len("meta_") :], file)
        else:
            reviews.setdefault(category, file)
    categories = sorted(set(reviews) & set(metas))
    if wanted is not None:
        categories = [c for c in categories if c == wanted]
    if not categories:
        found = ", ".join(sorted(reviews) + [f"meta_{m}" for m in sorted(metas)]) or "nothing"
        raise DataError(
            f"{folder}: no category with both <Category>.jsonl[.gz] and "
            f"meta_<Category>.jsonl[.gz] (found: {found})"
        )
    if len(categories) > 1:
        raise DataError(
            f"{folder} holds several categories ({', '.join(categories)}); "
            "name one: amazon2023:PATH/<Category>.jsonl.gz"
        )
    category = categories[0]
    return AmazonFiles(category, reviews[category], metas[category])


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def _records(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, JSON object) per non-empty line; a broken line names file and line."""
    try:
        with _open_text(path) as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{number}: not a JSON object ({exc.msg})") from exc
                if not isinstance(record, dict):
                    raise DataError(f"{path}:{number}: not a JSON object")
                yield number, record
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from exc


def k_core(users: np.ndarray, items: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of the interactions in the k-core: every kept user and item has >= k.

    Repeats the per-user and per-item count filter until nothing changes.
    """
    keep = np.ones(len(users), dtype=bool)
    while True:
        user_counts = np.bincount(users[keep], minlength=int(users.max(initial=0)) + 1)
        item_counts = np.bincount(items[keep], minlength=int(items.max(initial=0)) + 1)
        now = keep & (user_counts[users] >= k) & (item_counts[items] >= k)
        if (now == keep).all():
            return keep
        keep = now


@dataclass
class _Reviews:
    """Reviews as integer codes, in stable millisecond order, one per (user, product)."""

    user_names: list[str]
    item_names: list[str]
    users: np.ndarray  # (n,) user code per interaction
    items: np.ndarray  # (n,) product code
    times_ms: np.ndarray  # (n,) milliseconds


def _read_reviews(path: Path) -> _Reviews:
    user_codes: dict[str, int] = {}
    item_codes: dict[str, int] = {}
    users: list[int] = []
    items: list[int] = []
    times: list[int] = []
    for number, record in _records(path):
        user, item = record.get("user_id"), record.get("parent_asin")
        stamp = record.get("timestamp")
        if not isinstance(user, str) or not user or not isinstance(item, str) or not item:
            raise DataError(f"{path}:{number}: a review needs user_id and parent_asin")
        if isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
            raise DataError(f"{path}:{number}: timestamp {stamp!r} is not milliseconds")
        users.append(user_codes.setdefault(user, len(user_codes)))
        items.append(item_codes.setdefault(item, len(item_codes)))
        times.append(int(stamp))
    if not users:
        raise DataError(f"{path}: no reviews")
    order = np.argsort(np.asarray(times, dtype=np.int64), kind="stable")  # ties: file order
    u = np.asarray(users, dtype=np.int64)[order]
    i = np.asarray(items, dtype=np.int64)[order]
    t = np.asarray(times, dtype=np.int64)[order]
    _, first = np.unique(u * (len(item_codes) + 1) + i, return_index=True)
    first.sort()  # the earliest review of each (user, product), still in time order
    return _Reviews(list(user_codes), list(item_codes), u[first], i[first], t[first])


def _cut(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    head = text[:limit].rsplit(" ", 1)[0]
    return head.rstrip(" ,.;:") + "…"


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def product_item(record: dict) -> RawItem | None:
    """The catalogue item of one meta record, or ``None`` when it has no id or title."""
    asin, title = record.get("parent_asin"), record.get("title")
    if not isinstance(asin, str) or not asin or not isinstance(title, str) or not title.strip():
        return None
    categories = [c.strip() for c in _strings(record.get("categories")) if c.strip()]
    if not categories:
        categories = [c.strip() for c in _strings(record.get("main_category")) if c.strip()]
    store = record.get("store")
    body = " ".join(_strings(record.get("description"))) or " ".join(
        _strings(record.get("features"))
    )
    parts = [f"By {store.strip()}." if isinstance(store, str) and store.strip() else "", body]
    description = _cut(" ".join(p for p in parts if p), DESCRIPTION_CHARS)
    return RawItem(
        asin, _cut(title, TITLE_CHARS), None, tuple(dict.fromkeys(categories)), description
    )


def _read_meta(path: Path, wanted: set[str]) -> list[RawItem]:
    """Catalogue items for the ``wanted`` product ids, in meta file order (first record wins)."""
    items: dict[str, RawItem] = {}
    for _, record in _records(path):
        asin = record.get("parent_asin")
        if asin in wanted and asin not in items:
            item = product_item(record)
            if item is not None:
                items[asin] = item
    return list(items.values())


def read_amazon(spec: str, k: int = 5) -> RawData:
    """One Amazon Reviews 2023 category as ``RawData`` after the k-core filter (module doc).

    Interactions are returned in time order with timestamps in unix seconds; the millisecond
    order is kept (a stable sort by seconds leaves it unchanged).
    """
    files = find_files(spec)
    log.info("reading %s and %s", files.reviews.name, files.meta.name)
    reviews = _read_reviews(files.reviews)
    keep = k_core(reviews.users, reviews.items, k)
    wanted = {reviews.item_names[code] for code in np.unique(reviews.items[keep]).tolist()}
    items = _read_meta(files.meta, wanted)
    described = {item.raw_id for item in items}
    missing = len(wanted - described)
    if missing:
        log.info("%d products have no meta record or no title; dropped", missing)
        has_meta = np.array([name in described for name in reviews.item_names], dtype=bool)
        sub = np.flatnonzero(keep & has_meta[reviews.items])
        keep = np.zeros_like(keep)
        keep[sub[k_core(reviews.users[sub], reviews.items[sub], k)]] = True
    if not keep.any():
        raise DataError(
            f"{files.reviews}: nothing left after the {k}-core filter; lower data.min_count"
        )
    kept_items = {reviews.item_names[code] for code in np.unique(reviews.items[keep]).tolist()}
    data = RawData(items=[item for item in items if item.raw_id in kept_items])
    for u, i, t in zip(
        reviews.users[keep].tolist(),
        reviews.items[keep].tolist(),
        reviews.times_ms[keep].tolist(),
        strict=True,
    ):
        data.interactions.append((reviews.user_names[u], reviews.item_names[i], t // 1000))
    return data


def fingerprint(spec: str) -> str:
    """Names, sizes and modification times of the two files (cheap for multi-GB categories)."""
    files = find_files(spec)
    parts = []
    for path in (files.reviews, files.meta):
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "stat:" + ";".join(parts)
