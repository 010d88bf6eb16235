"""``search``: nearest catalogue items to a text query, with metadata filters."""

from __future__ import annotations

import argparse
import json

from recommender.commands._common import add_dataset_argument, dataset_name
from recommender.config import Config
from recommender.errors import SequelError
from recommender.retrieval.prepare import prepare_retrieval
from recommender.retrieval.vectorstore import ItemFilter


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "search",
        help="semantic search over the catalogue",
        description="Nearest items to a text query in the Chroma item store.",
    )
    add_dataset_argument(parser)
    parser.add_argument("query", help="what you are looking for, in plain words")
    parser.add_argument("--genre", action="append", default=[], help="keep this genre (repeatable)")
    parser.add_argument(
        "--not-genre", action="append", default=[], help="drop this genre (repeatable)"
    )
    parser.add_argument("--year-from", type=int, help="earliest year (inclusive)")
    parser.add_argument("--year-to", type=int, help="latest year (inclusive)")
    parser.add_argument("-k", type=int, default=10, help="how many items (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def _check_genres(requested: list[str], known: list[str]) -> tuple[str, ...]:
    lookup = {g.lower(): g for g in known}
    unknown = [g for g in requested if g.lower() not in lookup]
    if unknown:
        raise SequelError(f"unknown genre(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return tuple(lookup[g.lower()] for g in requested)


def run(args: argparse.Namespace, config: Config) -> int:
    if not args.query.strip():
        raise SequelError("the query is empty")
    if args.k < 1:
        raise SequelError("-k must be at least 1")
    _, store = prepare_retrieval(dataset_name(args, config), config, progress=False)
    genres = store.catalogue.genres
    filters = ItemFilter(
        genres_any=_check_genres(args.genre, genres),
        genres_none=_check_genres(args.not_genre, genres),
        year_from=args.year_from,
        year_to=args.year_to,
    )
    hits = store.query(text=args.query, k=args.k, filters=filters)
    rows = []
    for hit in hits:
        item = store.catalogue.get(hit.item_id)
        rows.append(
            {
                "item_id": item.item_id,
                "title": item.display_title,
                "year": item.year,
                "genres": list(item.genres),
                "score": round(hit.score, 4),
            }
        )
    if args.json:
        print(json.dumps(rows))
    elif not rows:
        print("no items match these filters")
    else:
        for rank, row in enumerate(rows, start=1):
            print(f"{rank:>2}. {row['title']}  [{', '.join(row['genres'])}]  {row['score']:.3f}")
    return 0
