"""The new-user protocol: the user split, truncated cases, no leakage, resumable runs, report."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from benchmarks import new_users as nu
from benchmarks import retrieval as bench
from recommender import training
from recommender.data import Dataset
from recommender.data.user_split import UserSplit, restrict, truncated_cases
from tests.conftest import make_tiny_dataset

SPEC = nu.NewUserSpec(lengths=(2, 4))  # the tiny users have 5-12 items
MARKER = 24  # an item only held-out users have, in the leakage test


def test_user_split_is_an_exact_disjoint_partition() -> None:
    split = UserSplit.draw(1000, test_fraction=0.1, valid_fraction=0.05, seed=3)
    train, valid, test = set(split.train), set(split.valid), set(split.test)
    assert (len(test), len(valid), len(train)) == (100, 50, 850)
    assert not train & valid and not train & test and not valid & test
    assert train | valid | test == set(range(1000))
    assert list(split.train) == sorted(split.train)
    assert UserSplit.draw(1000, 0.1, 0.05, seed=3) == split  # the seed fixes it
    assert UserSplit.draw(1000, 0.1, 0.05, seed=4).test != split.test
    assert UserSplit.draw(1000, 0.1, 0.05, seed=4).digest() != split.digest()
    with pytest.raises(ValueError):
        UserSplit.draw(5, 0.1, 0.05)  # no validation user would be left


def test_truncated_cases_take_exactly_the_l_items_before_the_last() -> None:
    dataset = make_tiny_dataset(num_users=6)
    sequences = [list(range(1, 13)), [3, 4, 5, 6, 7], list(range(10, 16))]
    dataset = dataclasses.replace(dataset, sequences=sequences, user_ids=["a", "b", "c"])
    cases = truncated_cases(dataset, [0, 1, 2], 5)
    assert cases.users == [0, 2]  # user 1 has only 4 items before its last
    assert cases.histories == [[7, 8, 9, 10, 11], [10, 11, 12, 13, 14]]
    assert cases.targets == [12, 15]
    shuffled = cases.shuffled(seed=0)
    assert [sorted(h) for h in shuffled] == cases.histories
    assert shuffled == cases.shuffled(seed=0) and shuffled != cases.histories


def test_restrict_keeps_only_the_given_users() -> None:
    dataset = make_tiny_dataset(num_users=10)
    part = restrict(dataset, [7, 2])
    assert part.user_ids == ["u7", "u2"]
    assert part.sequences == [dataset.sequences[7], dataset.sequences[2]]
    assert part.catalogue is dataset.catalogue


def _marked_dataset(num_users: int = 100) -> Dataset:
    """Tiny data where only the held-out users (valid + test) ever interact with MARKER."""
    dataset = make_tiny_dataset(num_users=num_users)
    split = UserSplit.draw(num_users, SPEC.test_fraction, SPEC.valid_fraction, SPEC.split_seed)
    held_out = set(split.valid) | set(split.test)
    sequences = []
    for user, seq in enumerate(dataset.sequences):
        seq = [item for item in seq if item != MARKER] or [1]
        sequences.append(seq + [MARKER, seq[0]] if user in held_out else seq)
    return dataclasses.replace(
        dataset, sequences=sequences, timestamps=[list(range(len(s))) for s in sequences]
    )


@pytest.fixture
def new_user_context(retrieval_context):
    dataset = _marked_dataset()
    return dataclasses.replace(
        retrieval_context,
        dataset=dataset,
        new_users=nu.NewUsers(dataset, SPEC),
        provenance={"command": "test"},
    )


def test_no_interaction_of_a_held_out_user_is_trained_or_counted(
    new_user_context, monkeypatch
) -> None:
    ctx = new_user_context
    protocol = ctx.new_users
    assert protocol.split.test and protocol.split.valid
    assert all(MARKER not in seq for seq in protocol.train_sequences)
    assert sum(MARKER in seq for seq in ctx.dataset.sequences) == len(protocol.split.test) + len(
        protocol.split.valid
    )
    seen: list[list[int]] = []
    original = training.training_examples

    def spy(train, max_len, all_windows=False):
        seen.extend(list(s) for s in train)
        return original(train, max_len, all_windows)

    monkeypatch.setattr(training, "training_examples", spy)
    bench.run_one(ctx, "sasrec_random", 0)
    popularity, _ = bench.build(ctx, "mostpop", 0)

    assert len(seen) == len(protocol.split.train)
    assert all(MARKER not in seq for seq in seen)  # fails if a held-out user was trained on
    assert popularity.counts[MARKER] == 0
    # ... while the held-out users do carry MARKER into their (validation and test) histories
    assert any(MARKER in h for h in protocol.valid[0])
    assert any(MARKER in h for cases in protocol.test.values() for h in cases.histories)


def test_validation_and_test_cases_come_from_their_own_users(new_user_context) -> None:
    protocol = new_user_context.new_users
    dataset = new_user_context.dataset
    for length, cases in protocol.test.items():
        assert set(cases.users) <= set(protocol.split.test)
        expected = truncated_cases(dataset, protocol.split.test, length)
        assert cases.histories == expected.histories and cases.targets == expected.targets
    pooled = [truncated_cases(dataset, protocol.split.valid, n) for n in SPEC.lengths]
    assert protocol.valid[0] == [h for c in pooled for h in c.histories]


def test_a_run_records_every_length_and_order_with_provenance_and_resumes(
    new_user_context,
) -> None:
    ctx = new_user_context
    out = bench.run_one(ctx, "sasrec_random", 0)
    record = json.loads(out.read_text())
    assert out.parent == ctx.runs
    assert_covers_every_case(record, ctx)
    assert "valid_half_ndcg@10" in record["history"][0]
    assert record["provenance"]["command"] == "test"
    assert len(record["provenance"]["checkpoint_digest"]) == 12
    checkpoint = bench._load(ctx.checkpoints / "sasrec_random_seed0.pt")
    assert checkpoint["protocol"] == ctx.new_users.key()

    stamp = out.stat().st_mtime_ns
    assert bench.run_one(ctx, "sasrec_random", 0) == out  # done: skipped
    assert out.stat().st_mtime_ns == stamp
    assert not bench._current(record)  # never mistaken for a standard-protocol run


def test_a_run_on_another_split_is_redone_and_standard_checkpoints_are_never_reused(
    new_user_context, retrieval_context
) -> None:
    standard = retrieval_context
    bench.run_one(standard, "sasrec_random", 0)  # a finished checkpoint that saw every user
    ctx = dataclasses.replace(new_user_context, checkpoints=standard.checkpoints / "new_users")
    # same folder of finished checkpoints, but trained under the standard protocol
    for path in standard.checkpoints.glob("*.pt"):
        target = ctx.checkpoints / path.name.replace("sasrec_random", "other")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    _, info = bench._train_sasrec(ctx, "sasrec_random", 0)
    payload = bench._load(ctx.checkpoints / "sasrec_random_seed0.pt")
    assert payload["protocol"] == ctx.new_users.key()  # trained anew, not copied

    out = bench.run_one(ctx, "mostpop", 0)
    record = json.loads(out.read_text())
    record["protocol"]["split_digest"] = "another"
    out.write_text(json.dumps(record))
    bench.run_one(ctx, "mostpop", 0)
    assert json.loads(out.read_text())["protocol"] == ctx.new_users.key()
    assert len(list((ctx.runs / "superseded").iterdir())) == 1


def test_hybrid_and_text_models_run_under_the_protocol(new_user_context, monkeypatch) -> None:
    """(a width the tiny catalogue's PCA can give, so that the text inits can run)"""
    original = bench.sasrec_configs

    def small(name, seed, max_epochs=None):
        model, train = original(name, seed, max_epochs)
        return dataclasses.replace(model, hidden=8, max_len=8), train

    monkeypatch.setattr(bench, "sasrec_configs", small)
    ctx = new_user_context
    names = (
        "llmseqsim",
        "llmseqsim_recency",
        "hybrid",
        "llm2sasrec_permavg",
        "llm2sasrec_orderfree",
    )
    for name in names:
        record = json.loads(bench.run_one(ctx, name, 0).read_text())
        assert set(record["test"]) == {"2", "4"}
    assert (ctx.runs / "hybrid_seed0.json").exists()
    assert (ctx.checkpoints / "llm2sasrec_seed0.pt").exists()


def _fake_record(model: str, seed: int, ranks: list[int]) -> dict:
    test, stored = {}, {}
    for length in ("5", "10"):
        test[length], stored[length] = {}, {}
        for order in nu.ORDERS:
            values = {m: float(nu.case_values(ranks, m).mean()) for m in nu.REPORTED}
            test[length][order] = {**values, "users": float(len(ranks))}
            stored[length][order] = ranks
    return {
        "model": model,
        "seed": seed,
        "protocol": {"lengths": [5, 10], "split_digest": "x"},
        "valid": {"ndcg@10": 0.1},
        "test": test,
        "ranks": stored,
    }


def test_assemble_pairs_users_and_averages_seeds(tmp_path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    records = [
        _fake_record("llm2sasrec", 0, [0, 0, 0, 0]),  # NDCG 1 for every user
        _fake_record("llm2sasrec", 1, [0, 0, 50, 50]),
        _fake_record("sasrec_random", 0, [50, 50, 50, 50]),  # NDCG 0
    ]
    for r in records:
        (runs / f"{r['model']}_seed{r['seed']}.json").write_text(json.dumps(r))
    result = nu.assemble("tiny", runs, lambda r: True, ["sasrec_random", "llm2sasrec"])

    text = result["models"]["llm2sasrec"]["5"]["true"]
    assert text["ndcg@10"] == pytest.approx(0.75)  # seeds 1.0 and 0.5
    assert text["hr@10"] == pytest.approx(0.75) and text["ndcg@10_std"] > 0
    assert list(result["models"]) == ["sasrec_random", "llm2sasrec"]
    # paired over the seeds both models have (seed 0 only): not seed 0 against 0 and 1
    pair = result["pairs"]["llm2sasrec - sasrec_random"]["10"]["shuffled"]
    assert result["pair_seeds"]["llm2sasrec - sasrec_random"] == [0]
    assert pair["diff"] == pytest.approx(1.0) and pair["cases"] == 4
    assert result["order_effect"]["llm2sasrec"]["5"]["diff"] == 0.0
    table = nu.markdown(result)
    assert "| llm2sasrec | 2 | 0.7500 ± 0.3536" in table
    nu.plot(result, tmp_path / "plot.png")
    assert (tmp_path / "plot.png").stat().st_size > 0


def test_case_values_match_the_metric_definitions() -> None:
    ranks = [0, 1, 9, 10]
    assert nu.case_values(ranks, "hr@10").tolist() == [1, 1, 1, 0]
    assert nu.case_values(ranks, "mrr@10").tolist() == pytest.approx([1, 0.5, 0.1, 0])
    assert nu.case_values(ranks, "ndcg@10")[1] == pytest.approx(1 / np.log2(3))


def test_permutation_averaging_is_deterministic_and_forgets_the_order(tiny_dataset) -> None:
    from recommender.evaluation import LLMSeqSim

    vectors = np.random.default_rng(0).normal(size=(tiny_dataset.num_items, 16))
    mean = LLMSeqSim(vectors, "mean")  # order-free already: averaging changes nothing
    averaged = nu.PermutationAveraged(mean, permutations=3)
    histories = [[3, 4, 5], [7, 1]]
    expected = torch.log_softmax(mean.score_batch(histories), dim=1)
    assert torch.allclose(averaged.score_batch(histories), expected, atol=1e-6)

    recency = LLMSeqSim(vectors, "recency", decay=0.1)  # nearly "the last item only"
    orders = nu.PermutationAveraged(recency, permutations=400)
    forward, backward = orders.score_batch([[3, 9]]), orders.score_batch([[9, 3]])
    plain = recency.score_batch([[3, 9]]) - recency.score_batch([[9, 3]])
    assert (forward - backward).abs().max() < 0.1 * plain.abs().max()
    assert torch.equal(orders.score_batch([[3, 9]]), forward)  # same call, same scores
    assert orders.name == "llmseqsim_recency_permavg"


def test_assemble_only_from_the_command_line_uses_the_runs_of_this_spec(tmp_path) -> None:
    runs = tmp_path / "runs" / "ml-1m" / "new_users"
    runs.mkdir(parents=True)
    key = {**json.loads(json.dumps(dataclasses.asdict(nu.NewUserSpec()))), "split_digest": "x"}
    for seed in (0, 1):
        record = _fake_record("mostpop", seed, [0, 3, 50])
        record["protocol"] = key
        (runs / f"mostpop_seed{seed}.json").write_text(json.dumps(record))
    other = _fake_record("llmseqsim", 0, [0, 0, 0])
    other["protocol"] = {**key, "valid_users": 10}  # another spec: left out
    (runs / "llmseqsim_seed0.json").write_text(json.dumps(other))

    argv = ["--protocol", "new-users", "--assemble-only", "--out-dir", str(tmp_path)]
    assert bench.main(argv) == 0

    result = json.loads((tmp_path / "new_users_ml1m.json").read_text())
    assert list(result["models"]) == ["mostpop"] and result["models"]["mostpop"]["seeds"] == [0, 1]
    assert result[
        "command"
    ] == "python benchmarks/retrieval.py --protocol new-users --out-dir " + str(tmp_path)
    assert (tmp_path / "new_users_ml1m.md").exists() and (tmp_path / "new_users_ml1m.png").exists()


def test_time_to_accuracy_is_the_first_epoch_near_the_best() -> None:
    history = [
        {"seconds": 10.0, "valid_ndcg@10": 0.05},
        {"seconds": 20.0, "valid_ndcg@10": 0.096},
        {"seconds": 30.0, "valid_ndcg@10": 0.1},
        {"seconds": 40.0, "valid_ndcg@10": 0.09},
    ]
    assert nu.time_to_accuracy(history) == 20.0
    assert nu.time_to_accuracy(history, share=1.0) == 30.0
    assert nu.time_to_accuracy([]) is None


def assert_covers_every_case(record: dict, ctx) -> None:
    """A stored new-user run has outcomes for every test length and order, one per case."""
    assert record["protocol"] == ctx.new_users.key()
    assert set(record["test"]) == {"2", "4"}
    for length, by_order in record["test"].items():
        cases = ctx.new_users.test[int(length)]
        for order in nu.ORDERS:
            assert by_order[order]["users"] == len(cases.targets)
            assert len(record["ranks"][length][order]) == len(cases.targets)
            assert 0.0 <= by_order[order]["ndcg@10"] <= 1.0
