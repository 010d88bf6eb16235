"""The LLM realiser: its fact record, the grounding filter, fine-tuning pairs and a tiny run."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace

import pytest
import torch

from recommender.config import PROJECT_ROOT
from recommender.llm.config import LLMConfig
from recommender.llm.evidence import CitedItem, Evidence, EvidenceBuilder
from recommender.llm.explainer import Explainer, evidence_prompt, evidence_sentences
from recommender.llm.finetune_explainer import (
    ADAPTER_DIR,
    CHECKPOINT_DIR,
    ExplainerFinetuneConfig,
    answer_loss,
    finetune_explainer,
    load_template,
    make_pairs,
    pair_rows,
    paraphrase_realiser,
    user_role,
)
from recommender.llm.grounding import Grounding
from recommender.llm.realiser import Realiser
from recommender.models.sasrec import SASRec, SASRecConfig
from recommender.retrieval.cooccurrence import CoOccurrence
from tests.helpers import tiny_llama_backend

PROMPTS = PROJECT_ROOT / "prompts"
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def fargo_evidence(catalogue) -> Evidence:
    """Fargo (1996) for a list with Heat (1995) and Pulp Fiction (1994): every kind of fact."""
    fargo, heat, pulp = catalogue.get(12), catalogue.get(3), catalogue.get(13)
    cited = (
        CitedItem(heat, 14, 30, 90, 2.5, ("Crime", "Thriller"), True),
        CitedItem(pulp, 9, 12, 60, None, ("Crime", "Drama"), True),
    )
    return Evidence(
        fargo,
        (heat, pulp),
        (11.0, 6.0),
        ("Crime", "Drama", "Thriller"),
        method="counterfactual",
        cited=cited,
        base_rank=3,
        pivotal=True,
        item_share=0.31,
        popular=True,
        satisfies=("Crime", "1990s"),
        history_size=2,
    )


@pytest.fixture
def grounding(tiny_catalogue) -> Grounding:
    return Grounding(tiny_catalogue, Realiser.from_prompt_dir(PROMPTS))


def test_a_faithful_paraphrase_passes_and_any_foreign_fact_fails(tiny_catalogue, grounding):
    evidence = fargo_evidence(tiny_catalogue)
    for ok in [
        "Without Heat in your list, Fargo would fall from #3 to #14.",
        "Heat viewers watched Fargo 2.5x as often as others (30 of 90).",
        "Like Heat, Fargo is a crime thriller from the 1990s.",
        "Fargo (1996) is here because of Heat (1995) and Pulp Fiction.",
        "31% of viewers saw it, and you asked for crime.",
        "Without Heat it would fall from #3 to #14, without Pulp Fiction to #9.",
        "Without Pulp fiction it would be #9.",  # a title in another letter case
    ]:
        assert grounding.violations(ok, evidence) == [], ok
    for bad, kind in [
        ("Fargo is here because of Heat and The Matrix.", "title"),
        ("Fargo (1994) is here because of Heat.", "year"),
        ("Without Heat, Fargo would fall from #3 to #40.", "number"),
        ("Like Heat, Fargo is a comedy.", "genre"),
        ("Fargo, by Joel Coen, is like Heat.", "name"),
        ("Fargo is an award-winning classic, like Heat.", "claim"),
        ("Critics praised Fargo, directed by the makers of Heat.", "claim"),
        ("Without Pulp Fiction, Fargo would fall from #3 to #14.", "rank"),  # Heat's rank
        ("Heat and Pulp Fiction hold it at #12.", "rank"),  # no rank of the evidence
        ("Fargo is #30 for you because of Heat.", "rank"),  # 30 is a count, not a rank
        ("Heat and Pulp put it at #3.", "partial title"),  # a cut title names nothing
    ]:
        found = grounding.violations(bad, evidence)
        assert any(v.startswith(kind) for v in found), (bad, found)


def test_every_wording_of_both_phrase_banks_passes_the_filter(tiny_catalogue, grounding):
    like = CitedItem(tiny_catalogue.get(15), None, 20, 50, 1.8, ("Drama",), False)
    # "like Casablanca", and words the request searched ("a christmas movie")
    blend = ((tiny_catalogue.get(15), ("Drama",)), (tiny_catalogue.get(3), ("Crime", "Thriller")))
    evidence = replace(
        fargo_evidence(tiny_catalogue),
        asked_like=like,
        asked_words="snowy towns",
        asked_subject="spy films",
        asked_outside=("Inception (2010)", ("Crime",)),
        blend_of=blend,
        request_rank=(7, 1090),  # "the 7th most watched of the 1,090 crime films here"
        shade="darker",  # "something darker": it is a drama
        shade_fit=("Drama",),
    )
    bank = paraphrase_realiser(PROMPTS)
    for short in (False, True):
        values = bank.values(evidence, short)
        for kind, wordings in bank.phrases.items():
            for wording in wordings:
                text = wording.format(**values)
                assert grounding.violations(text, evidence) == [], (kind, text)


def test_the_fact_record_holds_exactly_what_the_kinds_may_say(tiny_catalogue):
    realiser = Realiser.from_prompt_dir(PROMPTS)
    evidence = fargo_evidence(tiny_catalogue)
    assert realiser.plan(evidence) == ["pivotal_two", "lift", "asked"]
    lead = realiser.fact_record(evidence, ["pivotal_two"])
    assert lead == [
        "item: Fargo",
        "key titles: Heat (#14 without it), Pulp Fiction (#9 without it); rank #3",
    ]
    both = realiser.fact_record(evidence, ["pivotal_two", "lift"])
    assert both[2] == "co-watched: 2.5x with Heat (30 of 90)"
    for seed in range(10):  # a realisation of the kinds uses only numbers of their record
        text = realiser.realise_kinds(evidence, ["pivotal_two", "lift"], seed, short=True)
        assert set(_NUMBER.findall(text)) <= set(_NUMBER.findall("\n".join(both))), text
        assert "(199" not in text  # short titles, as in the record
    config = LLMConfig(explain_facts=1)
    prompt = Explainer(None, tiny_catalogue, config).build_prompt(evidence)
    assert prompt.startswith("\n".join(lead) + "\n") and "why was Fargo picked" in prompt


def test_user_roles_split_users_once_and_for_all():
    roles = Counter(user_role(u) for u in range(6040))
    assert set(roles) == {"train", "validation", "benchmark"}
    assert 0.17 < roles["benchmark"] / 6040 < 0.23 and 0.08 < roles["validation"] / 6040 < 0.12
    assert [user_role(u) for u in range(50)] == [user_role(u) for u in range(50)]


def test_explanations_benchmark_draws_only_benchmark_users(tiny_dataset):
    from benchmarks.explanations import cases
    from tests.conftest import make_tiny_dataset

    dataset = make_tiny_dataset(num_users=400)
    chosen = cases(dataset, 5, seed=0, min_history=8)
    assert len(chosen) == 5 and all(user_role(u) == "benchmark" for u, _ in chosen)


def tiny_builder(dataset) -> EvidenceBuilder:
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(num_items=dataset.num_items, hidden=16, max_len=8)).eval()
    co = CoOccurrence.from_sequences(dataset.split.train, dataset.num_items)
    return EvidenceBuilder(model, co, None)


def tiny_pairs(dataset, n, role="train", seed=0, config=None):
    realiser = Realiser.from_prompt_dir(PROMPTS)
    grounding = Grounding(dataset.catalogue, realiser)
    config = config or ExplainerFinetuneConfig(min_history=3, max_history=6, items_per_history=3)
    template = load_template(LLMConfig())
    targets = paraphrase_realiser(PROMPTS)
    return make_pairs(
        dataset, tiny_builder(dataset), template, realiser, grounding, n, config, role, seed,
        targets=targets,
    )  # fmt: skip


def test_pairs_come_from_train_users_and_state_only_the_given_facts(tiny_dataset):
    pairs = tiny_pairs(tiny_dataset, 60)
    assert len(pairs) == 60 and pairs == tiny_pairs(tiny_dataset, 60)
    assert pairs != tiny_pairs(tiny_dataset, 60, seed=1)
    realiser = Realiser.from_prompt_dir(PROMPTS)
    grounding = Grounding(tiny_dataset.catalogue, realiser)
    template = load_template(LLMConfig())
    for pair in pairs:
        assert user_role(pair.user) == "train"
        e = pair.evidence
        assert {h.item_id for h in e.similar} <= set(tiny_dataset.split.train[pair.user])
        assert pair.kinds[0] == realiser.plan(e)[0] and 1 <= len(pair.kinds) <= 2
        assert pair.prompt == evidence_prompt(template, realiser, e, pair.kinds)
        sentences = evidence_sentences(pair.target, pair.evidence)
        assert all(grounding.violations(s, e) == [] for s in sentences)
        assert grounding.names_cited(pair.target, e)
        numbers = set(_NUMBER.findall(pair.prompt))
        assert set(_NUMBER.findall(pair.target)) <= numbers, (pair.prompt, pair.target)
    lead_wordings = Counter(p.target.split(" ")[0] for p in pairs)
    assert len(lead_wordings) > 5  # varied targets, not one template
    valid = tiny_pairs(tiny_dataset, 10, role="validation")
    assert {user_role(p.user) for p in valid} == {"validation"}


def test_the_loss_counts_the_answer_tokens_only(tiny_dataset):
    backend = tiny_llama_backend(LLMConfig())
    pairs = tiny_pairs(tiny_dataset, 3)
    with torch.no_grad():
        loss = answer_loss(backend, pairs)
        total, count = 0.0, 0
        for ids, start in pair_rows(backend, pairs):
            logits = backend.model(input_ids=torch.tensor([ids])).logits[0]  # (T, V)
            target = torch.tensor(ids[start:])
            ce = torch.nn.functional.cross_entropy(logits[start - 1 : -1], target, reduction="sum")
            total, count = total + ce.item(), count + len(target)
    assert loss.item() == pytest.approx(total / count, rel=1e-4)
    end = backend.tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert all(ids[-1] == end for ids, _ in pair_rows(backend, pairs))  # it learns to stop


def test_two_step_run_trains_only_the_adapter_writes_its_record_and_resumes(tiny_dataset, tmp_path):
    config = ExplainerFinetuneConfig(
        output_dir=tmp_path / "ft",
        max_steps=2,
        batch_size=2,
        lr=1e-2,
        warmup_steps=1,
        lora_r=4,
        lora_layers=1,
        min_history=3,
        max_history=6,
        items_per_history=3,
        eval_pairs=3,
    )
    realiser = Realiser.from_prompt_dir(PROMPTS)
    grounding = Grounding(tiny_dataset.catalogue, realiser)
    valid = tiny_pairs(tiny_dataset, 3, role="validation", config=config)

    def pairs(n):
        return tiny_pairs(tiny_dataset, n, config=config)

    backend = tiny_llama_backend(LLMConfig())
    frozen = backend.model.model.layers[1].self_attn.q_proj.weight.detach().clone()
    llm = LLMConfig(max_new_tokens=4)
    result = finetune_explainer(
        backend, pairs, valid, grounding, config, llm, progress=False, record={"seed": 0}
    )
    assert result.steps == 2 and len(result.losses) == 2
    assert all(torch.isfinite(torch.tensor(result.losses)))
    adapter = tmp_path / "ft" / ADAPTER_DIR
    assert (adapter / "adapter_model.safetensors").exists()
    layer = backend.model.get_base_model().model.layers[1].self_attn.q_proj
    assert torch.equal(layer.base_layer.weight, frozen)  # the base model is frozen
    assert layer.lora_B["default"].weight.abs().sum() > 0  # the adapter learnt something
    untouched = backend.model.get_base_model().model.layers[0].self_attn.q_proj
    assert not hasattr(untouched, "lora_A")  # only the top ``lora_layers`` blocks
    log = json.loads((tmp_path / "ft" / "finetune_log.json").read_text())
    assert log["seed"] == 0 and log["steps"] == 2 and len(log["losses"]) == 2
    assert set(log["validation_before"]) == {"answer_loss"}
    assert log["validation_after"]["generation"]["n"] == 3
    assert log["adapter_bytes"] > 0 and log["lora_layers"] == [1]

    longer = ExplainerFinetuneConfig(**{**config.__dict__, "max_steps": 3})
    resumed = finetune_explainer(
        tiny_llama_backend(LLMConfig()), pairs, valid, grounding, longer, llm, progress=False
    )
    assert resumed.steps == 3 and resumed.losses[:2] == result.losses
    log = json.loads((tmp_path / "ft" / "finetune_log.json").read_text())
    assert len(log["runs"]) == 2 and log["validation_before"] == result.before
    assert (tmp_path / "ft" / CHECKPOINT_DIR / "state.pt").exists()


def test_the_command_is_registered():
    from recommender.cli import build_parser

    args = build_parser().parse_args(
        ["finetune-explainer", "--dataset", "ml-1m", "--minutes", "1", "--steps", "2"]
    )
    assert args.minutes == 1.0 and args.steps == 2 and callable(args.run)


def test_the_app_words_with_the_realiser_adapter_only_on_a_local_model():
    from recommender.config import Config
    from recommender.serving import _realiser_backend

    config = Config()
    config.llm.backend = "openai"
    config.llm.explain_adapter_path = PROJECT_ROOT / "checkpoints" / "none"
    shared = object()
    assert _realiser_backend(config, shared, progress=False) is shared  # no adapter on a server


def test_the_realiser_decodes_with_its_own_repetition_penalty(monkeypatch):
    import recommender.serving as serving
    from recommender.config import Config

    seen = []
    monkeypatch.setattr(serving, "make_backend", lambda llm, progress: seen.append(llm) or llm)
    config = Config()
    config.llm.repetition_penalty = 1.3  # the ranker's / zero-shot setting
    llm = serving._realiser_backend(config, object(), progress=False)
    assert llm.adapter_path == config.llm.explain_adapter_path
    assert llm.repetition_penalty == config.llm.realiser_repetition_penalty == 1.0
