from recommender.conversation.orchestrator import Card, Reply
from recommender.conversation.state import SessionState
from recommender.ui import card_html, keeps_cards, load_personas, trace_markdown


def test_card_html_escapes_and_shows_everything():
    card = Card(
        7, "<script>alert(1)</script> (1999)", 1999, ("Action", "Sci-Fi"),
        explanation="Because <b>you</b> liked Heat.", explanation_source="llm",
        because=("Heat (1995)",), provenance=("sasrec", "session"),
    )  # fmt: skip
    html = card_html(card, 1, "dislike")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;you&lt;/b&gt;" in html
    assert "Sci-Fi" in html and "(1999)" in html and "not for me" in html
    assert "sequence model" in html and "because you watched Heat (1995)" in html
    pending = card_html(Card(8, "Heat (1995)", 1995, ()), 2)
    assert "Working out why" in pending


def test_trace_markdown_lists_each_stage():
    trace = {
        "filters": {"include_genres": ["Comedy"], "exclude_genres": ["Horror"],
                    "years": [1990, None], "query": "heist | twist", "excluded_items": 4},
        "sources": {"sasrec": [{"title": "Heat (1995)", "score": 3.2}]},
        "source_timings_ms": {"sasrec": 2.0},
        "candidates": [{"title": "Heat (1995)", "score": 0.0123, "from": ["sasrec"]}],
        "ranking": {"method": "label_logits", "order": ["Heat (1995)"]},
        "timings_ms": {"total": 12.0},
    }  # fmt: skip
    text = trace_markdown(trace)
    expected = ["Understood", "Comedy", "excluded: Horror", "1990–…", "heist \\| twist"]
    expected += ["Retrieved", "logit", "Fused candidates", "LLM ranking", "Timings"]
    for part in expected:
        assert part in text
    assert "Ask for recommendations" in trace_markdown({})


def test_personas_load():
    personas = load_personas()
    assert len(personas) >= 3 and all(len(p.history) >= 8 and p.request for p in personas)


def test_a_reply_without_picks_keeps_the_cards_on_screen():
    shown = SessionState(last_recommendations=[3, 1, 2])
    explanation = Reply(kind="explanation", text="Why this pick: ...")
    assert keeps_cards(explanation, shown, shown.copy())
    fresh = Reply(kind="recommendations", text="", cards=[Card(4, "Heat (1995)", 1995, ())])
    assert not keeps_cards(fresh, shown, SessionState(last_recommendations=[4]))
    assert not keeps_cards(Reply(kind="notice", text="Starting over."), shown, SessionState())
