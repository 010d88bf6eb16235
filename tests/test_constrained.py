"""Constrained decoding of numbers (llm/constrained.py) and its use by the local backend."""

from __future__ import annotations

import re

import torch

from recommender.llm.config import LLMConfig
from recommender.llm.constrained import NumberConstraint
from tests.helpers import tiny_llama_backend

FACTS = (
    "item: Se7en\nkey title: The Crow (#2 with it, #20 without)\nco-watched: 2.3x (556 of 1,901)"
)


def test_numbers_and_ranks_come_from_the_facts():
    c = NumberConstraint.from_text(FACTS)
    assert sorted(c.ranks) == ["2", "20"]
    assert c.numbers == {"7", "2", "20", "2.3", "556", "1,901"}


def test_a_rank_is_one_of_the_record_s_and_each_is_used_once():
    c = NumberConstraint.from_text(FACTS)
    after_hash = c.step("It ranks #")
    assert after_hash.chars == {"2"} and not after_hash.other  # a digit must follow "#"
    two = c.step("It ranks #2")
    assert two.chars == {"0"} and two.other  # "#2" is done, or it becomes "#20"
    assert c.step("It is #2 with it and #").chars == {"2"}
    # "#2" is used: the second rank can only be 20, so "from #2 to #2" cannot be written
    assert c.step("It falls from #2 to #2").chars == {"0"}
    assert not c.step("It falls from #2 to #2").other
    assert not c.step("It falls from #2 to #20 ").hash  # no rank left: no "#" at all
    assert c.step("It falls from #20, #").chars == {"2"}  # "#20," is a rank and a comma


def test_other_numbers_must_be_finished_as_a_fact():
    c = NumberConstraint.from_text(FACTS)
    assert c.step("Seen by ").chars == {"7", "2", "5", "1"}  # a number the facts start with
    assert c.step("Seen by 5").chars == {"5"} and not c.step("Seen by 5").other
    assert c.step("Seen by 556").other
    assert c.step("It is 2.").chars == {"3"}  # "2." may become 2.3 ...
    assert c.step("It is 2.").other  # ... or be 2 at a sentence's end
    assert c.step("of 1,").chars == {"9"} and not c.step("of 1,").other


def test_the_local_backend_writes_only_the_record_s_numbers():
    backend = tiny_llama_backend(LLMConfig(repetition_penalty=1.0))
    tok = backend.tokenizer
    bias = torch.zeros(len(tok))
    for token_id in range(len(tok)):
        text = tok.decode([token_id])
        if text == "9":
            bias[token_id] = 100.0  # the model's favourite: a wrong digit
        elif text.strip() == "#":
            bias[token_id] = 50.0
        elif text.isdigit():
            bias[token_id] = 40.0
    head = backend.model.get_output_embeddings()
    head.weight.requires_grad_(False)
    backend.model.lm_head = torch.nn.Linear(head.in_features, len(tok), bias=True)
    with torch.no_grad():
        backend.model.lm_head.weight.copy_(head.weight)
        backend.model.lm_head.bias.copy_(bias)
    free = "".join(d for _, d in backend.stream(["Why?"], 8, 30.0))
    assert "9" in free  # unconstrained, it writes its wrong digit
    constraint = NumberConstraint.from_text("key title: The Crow (#12 with it)")
    text = "".join(d for _, d in backend.stream(["Why?"], 12, 30.0, constraints=[constraint]))
    assert re.findall(r"\d+", text) and set(re.findall(r"\d+", text)) == {"12"}
    assert len(re.findall(r"#\s*\d", text)) == 1  # the one rank, once
