"""LLM re-rankers under the new-user protocol (benchmarks/new_users_llm.py), on the tiny
data with a tiny random Llama: no held-out user reaches head training, outcomes for every
length and order, nothing outside the candidates moves above them, resume, the report."""

from __future__ import annotations

import argparse
import dataclasses
import json

import numpy as np
import pytest
import torch

from benchmarks import llm_srec
from benchmarks import new_users as nu
from benchmarks import new_users_llm as nul
from benchmarks import retrieval as rt
from recommender.models.sasrec import score_histories
from tests.helpers import tiny_llama_backend
from tests.test_new_users import MARKER, SPEC, _marked_dataset, assert_covers_every_case


def _with(args: argparse.Namespace, **changes) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), **changes})


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """Both re-rankers run once for seed 0 on a 1-epoch llm2sasrec checkpoint; what the LLM
    read and what the heads trained on is recorded."""
    from recommender.config import Config

    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp("new_users_llm")
    dataset = _marked_dataset()
    vectors = np.random.default_rng(0).normal(size=(dataset.num_items, 16)).astype(np.float32)
    ctx = rt.Context(
        dataset=dataset,
        vectors=vectors,
        config=Config(),
        runs=tmp / "runs",
        checkpoints=tmp / "checkpoints",
        progress=False,
        max_epochs=1,
        new_users=nu.NewUsers(dataset, SPEC),
        provenance={"command": "test"},
    )
    adapter = tmp / "adapter"  # the tiny backend ignores it; the script checks it exists
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    argv = ["--out-dir", str(tmp), "--candidates", "5", "--train-users", "40",
            "--head-epochs", "2", "--pool", "0", "2", "--threads", "1", "--no-progress",
            "--adapter", str(adapter)]  # fmt: skip
    seen = {"windows": [], "targets": [], "backends": 0}
    patch = pytest.MonkeyPatch()
    original_configs, original_chunk, original_heads = (
        rt.sasrec_configs,
        llm_srec.training_chunk,
        llm_srec.train_heads,
    )

    def small(name, seed, max_epochs=None):  # a width the tiny catalogue's PCA can give
        model, train = original_configs(name, seed, max_epochs)
        return dataclasses.replace(model, hidden=8, max_len=8), train

    def chunk(dataset, states, users, max_history):
        seen["windows"] += [dataset.split.train[u][-(max_history + 1) :] for u in users]
        return original_chunk(dataset, states, users, max_history)

    def heads(examples, *args, **kwargs):
        seen["targets"] += examples.targets.tolist()
        return original_heads(examples, *args, **kwargs)

    def backend(llm, progress):
        seen["backends"] += 1
        return tiny_llama_backend(llm)

    patch.setattr(rt, "sasrec_configs", small)
    patch.setattr(llm_srec, "training_chunk", chunk)
    patch.setattr(llm_srec, "train_heads", heads)
    patch.setattr(nul, "local_backend", backend)
    rt.run_one(ctx, "llm2sasrec", 0)
    args = nul.parse_args(argv)
    outs = nul.run(ctx, args)
    yield ctx, args, outs, seen, tmp
    patch.undo()


def test_no_held_out_interaction_reaches_head_training(done) -> None:
    ctx, _, _, seen, _ = done
    assert seen["windows"] and seen["targets"]
    assert all(MARKER not in window for window in seen["windows"])
    assert MARKER not in seen["targets"]
    # ... while held-out users do carry MARKER into the cases the heads then score
    assert any(MARKER in h for h in nul.case_histories(ctx.new_users))
    assert len(seen["windows"]) == 40  # --train-users, sampled from the training users


def test_outcomes_cover_every_length_and_order(done) -> None:
    ctx, args, outs, _, _ = done
    assert [p.name for p in outs] == ["llm_srec_fused_seed0.json", "label_ranker_fused_seed0.json"]
    for out in outs:
        record = json.loads(out.read_text())
        assert out.parent == ctx.runs
        assert_covers_every_case(record, ctx)
        assert str(record["fusion_weight"]) in record["valid_grid"]  # tuned on validation
        assert record.get("fallbacks", 0) == 0  # every label-ranker call gave label scores
        assert record["candidates"] == args.candidates
        assert len(record["provenance"]["checkpoint_digest"]) == 12
        assert rt._current(record, 1, ctx.new_users.key())


def test_items_outside_the_candidates_never_move_above_them(done) -> None:
    ctx, _, _, _, _ = done
    base, _ = nul.load_llm2sasrec(ctx, 0)
    histories = nul.case_histories(ctx.new_users)[:12]
    k = 5
    candidates = nul.Reranked.candidates(base.model, histories, k)
    rng = np.random.default_rng(0)
    prepared = {
        tuple(h): ([c.item_id for c in pool], rng.normal(size=len(pool)))
        for h, pool in zip(histories, candidates, strict=True)
    }
    for weight in (0.0, 0.5, 1.0):
        reranked = nul.Reranked(base.model, prepared, weight, k, "x").score_batch(histories)
        sasrec = score_histories(base.model, histories)
        for row, pool in enumerate(candidates):
            ids = {c.item_id for c in pool}
            rank_new = torch.argsort(reranked[row], descending=True, stable=True).tolist()
            rank_old = torch.argsort(sasrec[row], descending=True, stable=True).tolist()
            assert set(rank_new[:k]) == ids  # the candidates fill the top k
            finite = int(torch.isfinite(sasrec[row]).sum())
            assert rank_new[k:finite] == rank_old[k:finite]  # the rest: SASRec order
        if weight == 0.0:  # retrieval only: the SASRec order itself
            assert torch.equal(reranked.argmax(1), sasrec.argmax(1))
    other = {h: ([1, 2], s) for h, (_, s) in prepared.items()}
    with pytest.raises(ValueError, match="other candidates"):
        nul.Reranked(base.model, other, 0.5, k, "x").score_batch(histories)


def test_resume_skips_finished_work(done, caplog) -> None:
    ctx, args, outs, seen, _ = done
    stamps = [out.stat().st_mtime_ns for out in outs]
    backends = seen["backends"]
    assert nul.run(ctx, args) == outs  # finished runs: skipped, no LLM loaded
    assert [out.stat().st_mtime_ns for out in outs] == stamps and seen["backends"] == backends

    before = [json.loads(out.read_text()) for out in outs]
    windows = len(seen["windows"])
    for out in outs:
        out.unlink()
    reads = []
    original = nul.LLMStates.history_states

    def spy(self, histories, *a, **kw):
        reads.append(len(histories))
        return original(self, histories, *a, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(nul.LLMStates, "history_states", spy)
        caplog.set_level("INFO")
        nul.run(ctx, _with(args, estimate=True))
        assert "LLM forward work left: 0 training-user reads, 0 item texts, 0 title" in caplog.text
        assert "label_ranker_fused seed 0: LLM forward work left: 0 ranking prompts" in caplog.text
        nul.run(ctx, args)
    assert reads == [] and len(seen["windows"]) == windows  # states, heads, calls: all cached
    assert seen["backends"] == backends + 1  # LLM-SRec reads its cached states; ranker: none
    for out, old in zip(outs, before, strict=True):
        new = json.loads(out.read_text())
        assert new["ranks"] == old["ranks"] and new["fusion_weight"] == old["fusion_weight"]


def test_estimate_counts_the_work_before_starting(done, tmp_path, caplog) -> None:
    ctx, args, _, seen, _ = done
    fresh = _with(args, out_dir=tmp_path, estimate=True)
    backends = seen["backends"]
    caplog.set_level("INFO")
    nul.run(ctx, fresh)
    assert seen["backends"] == backends and not list(tmp_path.glob("runs"))
    cases = len(nul.case_histories(ctx.new_users))
    assert f"LLM forward work left: {cases} ranking prompts" in caplog.text
    assert f"LLM forward work left: {args.train_users} training-user reads" in caplog.text
    assert f"{ctx.dataset.num_items} item texts" in caplog.text


def test_a_sample_of_test_users_stays_out_of_the_tables(done, capsys) -> None:
    ctx, args, _, _, _ = done
    sample = _with(args, test_users=4, models=["label_ranker_fused"])
    (out,) = nul.run(ctx, sample)
    assert out.parent == ctx.runs / "partial" / "test4"
    record = json.loads(out.read_text())
    assert {len(r) for by_order in record["ranks"].values() for r in by_order.values()} <= {4}
    assert "label_ranker_fused seed 0 - llm2sasrec" in capsys.readouterr().out


def test_the_assembled_report_has_the_new_rows_and_pairs(done) -> None:
    ctx, _, _, _, tmp = done
    result = rt.assemble_new_users(ctx.dataset.name, ctx.runs, tmp, SPEC, "cmd", max_epochs=1)
    assert {"llm2sasrec", *nu.LLM_RERANKERS} <= set(result["models"])
    assert list(result["models"])[-2:] == list(nu.LLM_RERANKERS)
    for name in nu.LLM_RERANKERS:
        pair = result["pairs"][f"{name} - llm2sasrec"]
        assert set(pair) == {"2", "4"} and set(pair["2"]) == set(nu.ORDERS)
    table = nu.markdown(result)
    assert "`llm_srec_fused`: " in table and "`label_ranker_fused`: " in table
    assert "| llm_srec_fused - llm2sasrec |" in table
    assert "| label_ranker_fused - llm2sasrec |" in table
    assert "| label_ranker_fused | 1 |" in table


def test_help_runs() -> None:
    with pytest.raises(SystemExit) as exit_:
        nul.parse_args(["--help"])
    assert exit_.value.code == 0
