import pytest

from recommender.data import Catalogue, Item
from recommender.data.catalogue import natural_title, normalise_title, split_title_year


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Matrix, The", "The Matrix"),
        ("City of Lost Children, The (Cité des enfants perdus, La)",
         "The City of Lost Children (Cité des enfants perdus, La)"),
        ("American President, An", "An American President"),
        ("Heat", "Heat"),
        ("Good, the Bad and the Ugly, The", "The Good, the Bad and the Ugly"),
    ],
)  # fmt: skip
def test_natural_title(raw, expected):
    assert natural_title(raw) == expected


def test_split_title_year():
    assert split_title_year("Heat (1995)") == ("Heat", 1995)
    assert split_title_year("Heat") == ("Heat", None)
    assert split_title_year(" Se7en (1995) ") == ("Se7en", 1995)


def test_normalise_title_ignores_case_accents_articles():
    assert normalise_title("Matrix, The") == normalise_title("the MATRIX")
    assert normalise_title("Amélie") == "amelie"


def test_lookups(tiny_catalogue):
    assert tiny_catalogue.get(5).display_title == "The Matrix (1999)"
    assert [i.item_id for i in tiny_catalogue.by_title("The Matrix")] == [5]
    assert len(tiny_catalogue.by_title("heat")) == 2
    assert [i.year for i in tiny_catalogue.by_title("Heat (1972)")] == [1972]
    assert [i.year for i in tiny_catalogue.by_title("Heat", year=1995)] == [1995]
    assert tiny_catalogue.by_title("Nothing Like This") == []
    with pytest.raises(KeyError):
        tiny_catalogue.get(0)  # padding is not an item
    assert "Horror" in tiny_catalogue.genres


def test_text_used_for_embeddings():
    item = Item(1, "x", "Matrix, The", 1999, ("Action", "Sci-Fi"), "Neo wakes up.")
    assert item.text == "The Matrix (1999) Genres: Action, Sci-Fi. Neo wakes up."


def test_ids_must_be_dense():
    with pytest.raises(ValueError, match="dense"):
        Catalogue([Item(2, "a", "A")])
