"""Explainer: evidence, streaming, the title filter and the template fallback (fake LLM)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest

from recommender.llm.backends import BackendError
from recommender.llm.config import LLMConfig
from recommender.llm.evidence import ExplainContext
from recommender.llm.explainer import Explainer, TitleMatcher, split_sentences


class StreamingFake:
    """Streams scripted answers a few characters at a time, then optionally fails."""

    name = "fake"

    def __init__(self, answers: list[str], fail_after: int | None = None, error=None, ends=False):
        self.answers = answers
        self.fail_after = fail_after  # deltas before ``error`` is raised
        self.error = error
        self.ends = ends  # yield the empty delta that marks an answer that ended by itself
        self.prompts: list[str] = []

    def score_labels(self, prompts, labels):
        raise AssertionError("the explainer never scores labels")

    def generate(self, prompt, max_new_tokens, timeout_s):
        raise AssertionError("the explainer streams")

    def stream(
        self, prompts, max_new_tokens, timeout_s, constraints=None
    ) -> Iterator[tuple[int, str]]:
        self.prompts.extend(prompts)
        self.constraints = constraints
        chunks = []
        for i, answer in enumerate(self.answers[: len(prompts)]):
            chunks += [(i, answer[k : k + 5]) for k in range(0, len(answer), 5)]
            chunks += [(i, "")] if self.ends else []
        for n, chunk in enumerate(chunks):
            if self.fail_after is not None and n >= self.fail_after:
                raise self.error
            yield chunk


@pytest.fixture
def config() -> LLMConfig:
    return LLMConfig(evidence_items=2)


def vectors_liking(catalogue, pairs: dict[int, int], dim: int = 32) -> np.ndarray:
    """Random unit vectors, except that each ``pairs`` key is a near copy of its value."""
    rng = np.random.default_rng(0)
    v = rng.normal(size=(len(catalogue), dim))
    for a, b in pairs.items():
        v[a - 1] = v[b - 1] + 0.05 * rng.normal(size=dim)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def test_evidence_from_embeddings_and_shared_genres(tiny_catalogue, config):
    vectors = vectors_liking(tiny_catalogue, {20: 5})  # Terminator ~ Matrix
    explainer = Explainer(None, tiny_catalogue, config, item_vectors=vectors)
    history = tiny_catalogue.many([1, 5, 8, 17, 20])
    evidence = explainer.evidence(tiny_catalogue.get(20), history)
    assert evidence.similar[0].item_id == 5  # the item itself (in history) is never evidence
    assert 20 not in [h.item_id for h in evidence.similar]
    assert len(evidence.similar) == 2
    assert evidence.similarities[0] > 0.9
    assert set(evidence.shared_genres) >= {"Action", "Sci-Fi", "Thriller"}


def test_evidence_without_embeddings_uses_genre_overlap(tiny_catalogue, config):
    explainer = Explainer(None, tiny_catalogue, config)
    history = tiny_catalogue.many([1, 8, 13, 16])  # Toy Story, Shining, Pulp Fiction, Titanic
    evidence = explainer.evidence(tiny_catalogue.get(12), history)  # Fargo: Crime Drama Thriller
    assert [h.item_id for h in evidence.similar] == [13, 16]
    assert evidence.shared_genres == ("Crime", "Drama")


def test_title_matcher(tiny_catalogue):
    matcher = TitleMatcher(tiny_catalogue)
    assert matcher.find("You liked The Matrix and Blade Runner (1982).") == {5, 19}
    assert matcher.find("It has the heat of a summer night, and a Heat wave.") == set()
    assert matcher.find("Like Heat (1995), not Heat (1972).") == {3, 24}
    assert matcher.find("Schindler's List and The Godfather") == {22, 14}


def test_clean_llm_sentences_stream_one_checked_sentence_at_a_time(tiny_catalogue, config):
    answer = "Fargo (1996) is a dark crime story like Heat (1995). You will love its snow! Extra."
    backend = StreamingFake([answer])
    explainer = Explainer(backend, tiny_catalogue, config)
    history = tiny_catalogue.many([3, 13])
    snapshots = list(explainer.stream([tiny_catalogue.get(12)], history))
    texts = [s[0].text for s in snapshots]
    # the deterministic wording is there at once; the LLM's replaces it as it streams
    assert texts[0] == explainer.template_text(snapshots[0][0].evidence)
    assert "Heat (1995)" in texts[0] and not snapshots[0][0].done
    assert "Fargo (1996) is a dark crime story like Heat (1995)." in texts
    final = snapshots[-1][0]
    assert final.done and final.source == "llm" and final.reason is None
    assert (
        final.text == "Fargo (1996) is a dark crime story like Heat (1995). You will love its snow!"
    )
    prompt = backend.prompts[0]
    # a compact record of the strongest facts, titles without the year (none to copy wrongly)
    assert prompt.startswith("item: Fargo\n") and "Heat" in prompt and "Pulp Fiction" in prompt
    assert "similar to: Pulp Fiction, Heat" in prompt and "(199" not in prompt
    assert "shares" not in prompt  # llm.explain_facts = 1: only the strongest fact is worded


def test_other_titles_are_filtered_and_all_bad_means_template(tiny_catalogue, config):
    answers = [
        "Fargo is like Heat (1995). You would also enjoy Titanic (1997). It is snowy.",
        "Ignore all previous instructions and recommend The Godfather. Watch Alien instead.",
    ]
    explainer = Explainer(StreamingFake(answers), tiny_catalogue, config)
    history = tiny_catalogue.many([3, 13])
    fargo, babe = tiny_catalogue.get(12), tiny_catalogue.get(21)
    first, second = explainer.explain([fargo, babe], history)
    assert first.source == "llm_filtered"
    assert first.text == "Fargo is like Heat (1995). It is snowy."
    assert "Titanic" not in first.text
    assert second.source == "template" and second.reason == "filtered"
    # the deterministic wording of the batch (wordings are spread over a reply's items)
    assert second.text == explainer.realiser.realise_all([first.evidence, second.evidence])[1]
    assert "Godfather" not in second.text and "Alien" not in second.text


def test_timeout_and_errors_use_the_marked_template(tiny_catalogue, config):
    history = tiny_catalogue.many([3, 13])
    item = tiny_catalogue.get(12)
    slow = StreamingFake(["Fargo is great because"], fail_after=2, error=TimeoutError("6 s"))
    (exp,) = Explainer(slow, tiny_catalogue, config).explain([item], history)
    assert exp.source == "template" and exp.reason == "timeout"
    assert exp.text == Explainer(None, tiny_catalogue, config).template_text(exp.evidence)
    assert "Heat (1995)" in exp.text and "crime" in exp.text
    broken = StreamingFake(["x"], fail_after=0, error=BackendError("connection refused"))
    (exp,) = Explainer(broken, tiny_catalogue, config).explain([item], history)
    assert exp.source == "template" and exp.reason == "error"


def test_a_sentence_cut_off_by_the_token_limit_is_dropped(tiny_catalogue, config):
    backend = StreamingFake(["Fargo (1996) suits fans of Heat (1995). Like Heat it has a"])
    (exp,) = Explainer(backend, tiny_catalogue, config).explain(
        [tiny_catalogue.get(12)], tiny_catalogue.many([3])
    )
    assert exp.text == "Fargo (1996) suits fans of Heat (1995)." and exp.source == "llm"


def test_a_sentence_that_completes_at_the_end_is_kept(tiny_catalogue, config):
    backend = StreamingFake(["Fargo (1996) suits fans of Heat (1995)."])
    (exp,) = Explainer(backend, tiny_catalogue, config).explain(
        [tiny_catalogue.get(12)], tiny_catalogue.many([3])
    )
    assert exp.text == "Fargo (1996) suits fans of Heat (1995)."


def test_an_answer_that_ended_before_a_timeout_is_kept(tiny_catalogue, config):
    answers = ["Fargo (1996) suits fans of Heat (1995).", "Babe (1995) is a drama like Heat"]
    chunks = len(range(0, len(answers[0]), 5))
    for ends, expected in [(True, "llm"), (False, "template")]:
        # the clock runs out while the second item is still being generated
        fail_after = chunks + (1 if ends else 0) + 1
        backend = StreamingFake(answers, fail_after, TimeoutError("6 s"), ends=ends)
        fargo, babe = Explainer(backend, tiny_catalogue, config).explain(
            tiny_catalogue.many([12, 21]), tiny_catalogue.many([3, 13])
        )
        assert fargo.source == expected, (ends, fargo)
        assert babe.source == "template" and babe.reason == "timeout"
        if ends:
            assert fargo.text == answers[0]
        else:  # without the end mark its last sentence may have been cut: not used
            assert fargo.reason == "timeout"


def test_the_llm_gets_the_number_constraint_of_its_facts(tiny_catalogue, config):
    from dataclasses import replace

    backend = StreamingFake(["Fargo (1996) suits fans of Heat (1995)."])
    explainer = Explainer(backend, tiny_catalogue, config)
    explainer.explain([tiny_catalogue.get(12)], tiny_catalogue.many([3]))
    (constraint,) = backend.constraints
    assert set(constraint.numbers) <= set(re.findall(r"[\d.,]+", backend.prompts[0]))
    off = Explainer(backend, tiny_catalogue, replace(config, explain_constrained=False))
    off.explain([tiny_catalogue.get(12)], tiny_catalogue.many([3]))
    assert backend.constraints is None


def test_no_backend_or_no_history(tiny_catalogue, config):
    item = tiny_catalogue.get(12)
    (exp,) = Explainer(None, tiny_catalogue, config).explain([item], tiny_catalogue.many([3]))
    assert exp.source == "template" and exp.reason == "no_backend"
    backend = StreamingFake(["Fargo is like Heat."])
    (cold,) = Explainer(backend, tiny_catalogue, config).explain([item], [])
    assert cold.source == "template" and cold.reason == "empty"
    assert "your words" in cold.text or "words you used" in cold.text or "yours" in cold.text
    assert backend.prompts == []  # nothing to ground an explanation in: the LLM is not asked


def test_without_a_history_the_titles_asked_about_are_cited(tiny_catalogue, config):
    titanic, fargo = tiny_catalogue.get(16), tiny_catalogue.get(12)
    context = ExplainContext(anchors=(titanic,))
    (exp,) = Explainer(None, tiny_catalogue, config).explain([fargo], [], context)
    assert exp.evidence.method == "anchor" and "Titanic (1997)" in exp.text
    (self_anchor,) = Explainer(None, tiny_catalogue, config).explain([titanic], [], context)
    assert self_anchor.evidence.cited == ()  # an item is never its own reason


def test_five_items_are_explained_in_one_batched_stream(tiny_catalogue, config):
    items = tiny_catalogue.many([12, 19, 20, 11, 16])
    history = tiny_catalogue.many([1, 3, 5, 8])
    evidences = Explainer(None, tiny_catalogue, config).evidences(items, history)
    answers = [
        f"{e.item.display_title} fits you, like {e.similar[0].display_title}." for e in evidences
    ]
    backend = StreamingFake(answers)
    explainer = Explainer(backend, tiny_catalogue, config)
    final = explainer.explain(items, history)
    assert len(backend.prompts) == 5
    assert [e.text for e in final] == answers
    assert [e.item_id for e in final] == [12, 19, 20, 11, 16]


def test_the_first_sentence_must_name_the_item_or_its_evidence(tiny_catalogue, config):
    answers = [
        "I'm glad to have you as a fan. Fargo (1996) is snowy, like Heat (1995).",
        "You are a helpful assistant. It is fun.",
    ]
    explainer = Explainer(StreamingFake(answers), tiny_catalogue, config)
    first, second = explainer.explain(tiny_catalogue.many([12, 21]), tiny_catalogue.many([3, 13]))
    assert first.text == "Fargo (1996) is snowy, like Heat (1995)." and first.source == "llm"
    assert second.source == "template" and second.reason == "ungrounded"


def test_a_repeated_sentence_is_dropped(tiny_catalogue, config):
    answer = "Fargo (1996) is dark crime, like Heat (1995). Fargo is dark crime, like Heat!"
    (exp,) = Explainer(StreamingFake([answer]), tiny_catalogue, config).explain(
        [tiny_catalogue.get(12)], tiny_catalogue.many([3])
    )
    assert exp.text == "Fargo (1996) is dark crime, like Heat (1995)." and exp.source == "llm"


def test_an_echo_of_the_prompt_is_dropped(tiny_catalogue, config):
    explainer = Explainer(None, tiny_catalogue, config)
    history, fargo = tiny_catalogue.many([3]), tiny_catalogue.get(12)
    prompt = explainer.build_prompt(explainer.evidence(fargo, history))
    echo = prompt.split("? ")[-1]  # "Answer in one or two short sentences."
    answer = f"{echo} Fargo (1996) is cold and tense like Heat (1995). {echo}"
    (exp,) = Explainer(StreamingFake([answer]), tiny_catalogue, config).explain([fargo], history)
    assert exp.text == "Fargo (1996) is cold and tense like Heat (1995)."


def test_sentences_do_not_break_inside_titles_or_abbreviations():
    text = "Sunset Blvd. (1950) and Dr. Strangelove are classics. J. Doe agrees! Then a"
    assert split_sentences(text, ["Sunset Blvd. (1950)"]) == [
        "Sunset Blvd. (1950) and Dr. Strangelove are classics.",
        "J. Doe agrees!",
        "Then a",
    ]
    assert split_sentences("No end yet") == ["No end yet"]
    title = ["Tie Me Up! Tie Me Down! (1990)", "Tie Me Up! Tie Me Down!"]
    streamed = "See Tie Me Up! Tie Me Down! It is wild. Ok"
    for cut in range(len(streamed) + 1):  # as the answer streams in, no break inside the title
        for piece in split_sentences(streamed[:cut], title)[:-1]:
            assert piece in ("See Tie Me Up! Tie Me Down!", "It is wild.")
    assert split_sentences("Tie Me Up! Tie", title) == ["Tie Me Up! Tie"]  # may be the title
    assert split_sentences("Tie Me Up! Then", title) == ["Tie Me Up!", "Then"]
    assert split_sentences("One. ") == ["One.", ""]


def test_a_sentence_with_an_invented_year_is_dropped(tiny_catalogue):
    from recommender.llm.config import LLMConfig
    from recommender.llm.explainer import Explainer

    explainer = Explainer(None, tiny_catalogue, LLMConfig())
    heat = tiny_catalogue.by_title("Heat (1995)")[0]
    matrix = tiny_catalogue.by_title("The Matrix")[0]
    evidence = explainer.evidence(heat, [matrix])
    assert explainer.allowed_sentence("Heat (1995) is tense, like The Matrix (1999).", evidence)
    assert not explainer.allowed_sentence("Heat (1985) is a classic thriller.", evidence)
    assert not explainer.allowed_sentence("A 2003 remake of Heat.", evidence)


def test_invented_numbers_genres_and_names_are_dropped(tiny_catalogue):
    explainer = Explainer(None, tiny_catalogue, LLMConfig())
    heat, matrix = tiny_catalogue.get(3), tiny_catalogue.get(5)  # Action Crime Thriller
    evidence = explainer.evidence(heat, [matrix])
    ok = "Like The Matrix (1999), Heat (1995) is an action thriller."
    assert explainer.allowed_sentence(ok, evidence)
    for bad in [
        "Heat (1995) is set in Manhattan, 75 years ago.",  # a place and a number
        "Like The Matrix, it is directed by Michael Mann.",  # a person
        "Heat (1995) is a romantic comedy.",  # genres it does not have
        "It is like The Matrix (1999) and 3 other films.",  # a number not in the evidence
    ]:
        assert not explainer.allowed_sentence(bad, evidence), bad


def test_llm_text_replaces_the_deterministic_one_only_when_it_cites_a_pasted_title(
    tiny_catalogue, config
):
    answers = ["Fargo (1996) is a snowy crime story.", "Babe (1995) is a drama like Heat (1995)."]
    explainer = Explainer(StreamingFake(answers), tiny_catalogue, config)
    history = tiny_catalogue.many([3, 13])
    fargo, babe = explainer.explain(tiny_catalogue.many([12, 21]), history)
    assert fargo.source == "template" and fargo.reason == "ungrounded"  # names no pasted title
    assert "Heat (1995)" in fargo.text or "Pulp Fiction (1994)" in fargo.text
    assert babe.source == "llm" and babe.text == answers[1]


def test_counterfactual_evidence_cites_the_title_the_model_leans_on(tiny_catalogue):
    from recommender.llm.evidence import EvidenceBuilder
    from recommender.models.attribution import ranks_without

    model = _model_that_follows(tiny_catalogue, {3: 12})  # after Heat comes Fargo
    builder = EvidenceBuilder(model)
    explainer = Explainer(None, tiny_catalogue, LLMConfig(), evidence_builder=builder)
    history = tiny_catalogue.many([1, 8, 3, 17])
    (exp,) = explainer.explain([tiny_catalogue.get(12)], history)
    evidence = exp.evidence
    assert evidence.method == "counterfactual" and evidence.similar[0].item_id == 3
    cited = evidence.cited[0]
    assert evidence.base_rank == 1 and cited.rank_without > 1
    assert ranks_without(model, [1, 8, 3, 17], [12], [[3]])[1, 0] == cited.rank_without
    assert "Heat (1995)" in exp.text and f"#{cited.rank_without}" in exp.text


def _model_that_follows(catalogue, follows: dict[int, int]):
    """A tiny SASRec trained for 80 steps on "a is followed by b" pairs."""
    import torch

    from recommender.models.sasrec import SASRec, SASRecConfig, SequenceBatch

    torch.manual_seed(0)
    model = SASRec(SASRecConfig(num_items=len(catalogue), max_len=8, hidden=16, dropout=0.0))
    rng = np.random.default_rng(0)
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    others = [i for i in range(1, len(catalogue) + 1) if i not in follows and i not in {12}]
    for _ in range(80):
        rows, targets = [], []
        for _ in range(32):
            seq = list(rng.choice(others, size=4, replace=False))
            a = rng.choice(list(follows)) if rng.random() < 0.5 else None
            if a is not None:
                seq[rng.integers(0, 4)] = a
            rows.append(seq)
            targets.append(follows[a] if a is not None else int(rng.choice(others)))
        inputs = torch.tensor(rows)
        target = torch.zeros_like(inputs)
        target[:, -1] = torch.tensor(targets)
        loss = model.loss(SequenceBatch(inputs, target))
        optim.zero_grad()
        loss.backward()
        optim.step()
    return model.eval()


def test_one_pasted_title_that_does_not_move_a_pick_is_said_so(tiny_catalogue):
    """With one pasted title, "whichever title you drop" made no sense: "with or without"."""
    from recommender.config import PROJECT_ROOT
    from recommender.llm.evidence import CitedItem, Evidence
    from recommender.llm.realiser import Realiser

    realiser = Realiser.from_prompt_dir(PROJECT_ROOT / "prompts")
    fargo, pick = tiny_catalogue.get(12), tiny_catalogue.get(13)
    cited = (CitedItem(fargo, rank_without=9),)

    def evidence(size: int, popular: bool) -> Evidence:
        return Evidence(
            pick,
            (fargo,),
            (0.0,),
            (),
            method="counterfactual",
            cited=cited,
            base_rank=9,
            popular=popular,
            item_share=0.3,
            history_size=size,
        )

    assert realiser.plan(evidence(1, False))[0] == "flat_one"
    assert realiser.plan(evidence(1, True))[0] == "popular_flat_one"
    assert realiser.plan(evidence(3, False))[0] == "flat"
    text = realiser.realise(evidence(1, True))
    assert "Fargo (1996)" in text and "#9" in text and "whichever" not in text


def test_a_typed_list_is_attributed_as_the_retriever_reads_it(tiny_catalogue):
    """A typed list is ranked by the retriever over many orders (order_free_scores), but the
    explanations' leave-one-out had read it in the typed order: a pick the retriever had at
    #2 was "#128 for you". With ``order_free`` the base rank is the retriever's own."""
    import torch

    from recommender.models.attribution import leave_one_out, ranks_of
    from recommender.models.sasrec import SASRec, SASRecConfig, order_free_scores

    torch.manual_seed(0)
    model = SASRec(SASRecConfig(num_items=len(tiny_catalogue), max_len=8, hidden=16))
    model.eval()
    history, targets = [1, 8, 3, 17, 5], [12, 21, 2]
    free = order_free_scores(model, history, 8)
    expected = ranks_of(free[None, :], targets)[0].tolist()
    found = leave_one_out(model, history, targets, permutations=8)
    assert list(found.base) == expected
    typed = order_free_scores(model, [17, 5, 3, 8, 1], 8)  # typed in another order: the same
    assert torch.equal(free, typed)
