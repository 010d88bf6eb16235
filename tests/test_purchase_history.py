"""Purchase-history pastes on a shop catalogue: Amazon order-history exports (current and
legacy), "date, product" CSVs and plain dated lists; ids first, titles otherwise, time order."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.config import DataConfig
from recommender.conversation.history_parser import parse_history
from recommender.data import Catalogue, load_dataset

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PASTES = FIXTURES / "pastes"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """The fixture shop of tests/fixtures/amazon2023 (items keyed by parent_asin)."""
    cache = tmp_path_factory.mktemp("cache")
    spec = f"amazon2023:{FIXTURES / 'amazon2023'}"
    return load_dataset(spec, DataConfig(cache_dir=cache)).catalogue


def _asins(parse, shop: Catalogue) -> list[str]:
    return [shop.get(i).raw_id for i in parse.item_ids]


def test_amazon_export_matches_by_asin_in_time_order(shop: Catalogue) -> None:
    parse = parse_history((PASTES / "amazon_order_history.csv").read_bytes(), shop)
    assert parse.format == "amazon" and parse.dated
    # the file is newest first; the history is oldest first; the ASIN decides over the longer
    # product name ("..., Black"); a lower-case ASIN still matches
    assert _asins(parse, shop) == [
        "B0KIT00000",
        "B0GAR00001",
        "B0BOO00003",  # a variant ASIN unknown to the catalogue: matched by its product name
        "B0ELE00003",  # one order, one date: the two items keep their file order
        "B0ELE00000",
    ]
    assert [m.score for m in parse.matched].count(100.0) == 5
    assert [u.text for u in parse.unmatched] == ["Ultrasonic Jewellery Cleaner, 600 ml"]
    assert "Skipped 1 cancelled order rows." in parse.notes
    assert parse.matched[0].date == "2022-11-05T20:30:12Z"


def test_the_asin_wins_over_a_different_product_name(shop: Catalogue) -> None:
    paste = (
        "Order ID,Order Date,ASIN,Product Name\n"
        "1,2024-01-02T10:00:00Z,B0BOO00007,Wireless Ergonomic Mouse\n"
        "2,2024-01-01T10:00:00.000Z,,Portable SSD 1TB\n"
    )
    parse = parse_history(paste, shop)
    assert parse.format == "amazon"
    assert _asins(parse, shop) == ["B0ELE00004", "B0BOO00007"]  # Night Trains, by its ASIN


def test_legacy_amazon_report_with_month_first_dates(shop: Catalogue) -> None:
    parse = parse_history((PASTES / "amazon_order_history_legacy.csv").read_text(), shop)
    assert parse.format == "amazon" and parse.dated
    # 11/30/20 < 01/15/21 < 03/02/21; the row without an ASIN matched by its title
    assert _asins(parse, shop) == ["B0KIT00003", "B0KIT00001", "B0KIT00002"]


def test_generic_date_product_csv(shop: Catalogue) -> None:
    paste = (
        "date,product\n"
        "2024-05-03,French Press Coffee Maker 34 oz\n"
        "2024-04-01,Electric Gooseneck Kettle\n"
        "2024-04-20,Pruning Shears Bypass Secateurs\n"
    )
    parse = parse_history(paste, shop)
    assert parse.format == "csv" and parse.dated
    assert _asins(parse, shop) == ["B0KIT00006", "B0GAR00002", "B0KIT00007"]


@pytest.mark.parametrize(
    "paste",
    [
        "2024-05-03, French Press Coffee Maker 34 oz\n2024-04-01, Electric Gooseneck Kettle\n"
        "2024-04-20, Pruning Shears Bypass Secateurs\n",
        "05/03/2024 - French Press Coffee Maker 34 oz\n04/01/2024 - Electric Gooseneck Kettle\n"
        "04/20/2024 - Pruning Shears Bypass Secateurs\n",
        "2024-05-03 08:10\tFrench Press Coffee Maker 34 oz\n2024-04-01 12:00\tElectric "
        "Gooseneck Kettle\n2024-04-20 09:30\tPruning Shears Bypass Secateurs\n",
    ],
)
def test_headerless_dated_lists_are_read_in_date_order(paste: str, shop: Catalogue) -> None:
    parse = parse_history(paste, shop)
    assert parse.format == "dated-list" and parse.dated
    assert _asins(parse, shop) == ["B0KIT00006", "B0GAR00002", "B0KIT00007"]


def test_a_dated_list_with_an_undated_line_keeps_the_paste_order(shop: Catalogue) -> None:
    paste = (
        "2024-05-03, French Press Coffee Maker 34 oz\n"
        "2024-04-01, Electric Gooseneck Kettle\n"
        "2024-04-20, Pruning Shears Bypass Secateurs\n"
        "2024-04-22, Rain Gauge Outdoor Glass\n"
        "Digital Kitchen Scale with Tare\n"
    )
    parse = parse_history(paste, shop)
    assert parse.format == "dated-list" and not parse.dated
    assert _asins(parse, shop) == [
        "B0KIT00007",
        "B0KIT00006",
        "B0GAR00002",
        "B0GAR00008",
        "B0KIT00003",
    ]
    assert any("could not be read" in note for note in parse.notes)


def test_plain_product_list_is_not_dated(shop: Catalogue) -> None:
    parse = parse_history("Wireless Ergonomic Mouse\nUSB-C Hub 7 in 1\n", shop)
    assert parse.format == "list" and not parse.dated
    assert _asins(parse, shop) == ["B0ELE00000", "B0ELE00002"]
