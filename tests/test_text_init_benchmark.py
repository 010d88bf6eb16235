"""benchmarks/text_init.py: per-user NDCG from the retrieval runs, groups, paired comparison."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import retrieval
from benchmarks import text_init as bench


@pytest.fixture
def finished_run(retrieval_context):
    """One real 1-epoch ``sasrec_random`` run of the retrieval benchmark (JSON + checkpoint)."""
    return retrieval.run_one(retrieval_context, "sasrec_random", 0)


def test_user_ndcg_reproduces_the_run_record_and_refuses_another_checkpoint(
    tiny_dataset, finished_run
) -> None:
    (record,) = bench.finished_runs(finished_run.parent, "sasrec_random", max_epochs=1)
    histories, targets = tiny_dataset.split.cases("test")
    values = bench.user_ndcg(record, histories, targets)
    assert values.shape == (len(targets),) and ((values >= 0) & (values <= 1)).all()
    assert values.mean() == pytest.approx(record["full"]["ndcg@10"], abs=1e-9)
    with pytest.raises(RuntimeError, match="differs from its run record"):
        bench.user_ndcg({**record, "full": {"ndcg@10": values.mean() + 0.01}}, histories, targets)


def test_finished_runs_leave_out_stale_runs_and_missing_checkpoints(finished_run) -> None:
    runs = finished_run.parent
    assert bench.finished_runs(runs, "sasrec_random") == []  # another max_epochs: stale
    record = json.loads(finished_run.read_text())
    (runs / "sasrec_random_seed1.json").write_text(
        json.dumps({**record, "seed": 1, "checkpoint": "nowhere/missing.pt"})
    )
    found = bench.finished_runs(runs, "sasrec_random", max_epochs=1)
    assert [r["seed"] for r in found] == [0]


def test_groups_split_the_test_users_into_parts(tiny_dataset) -> None:
    histories, targets = tiny_dataset.split.cases("test")
    parts = bench.groups(tiny_dataset, histories, targets)
    for family in {g.family for g in parts}:
        masks = [g.mask for g in parts if g.family == family and not g.name.startswith("rare ")]
        assert (np.sum(masks, axis=0) == 1).all()  # thirds / length bins: disjoint, cover all


def test_compare_finds_a_gain_where_there_is_one_and_writes_a_table(tiny_dataset) -> None:
    rng = np.random.default_rng(0)
    users = 300
    random_init = rng.random(users) * 0.5
    ndcg = {"sasrec_random": random_init, "llm2sasrec": random_init + 0.05}
    rare = np.arange(users) < 100
    parts = [bench.Group("item", "rare", rare), bench.Group("item", "other", ~rare)]
    result = bench.compare(ndcg, parts, samples=100)
    overall, *per_group = result["rows"]
    assert overall["users"] == users and [r["users"] for r in per_group] == [100, 200]
    gain = overall["diffs"]["llm2sasrec - sasrec_random"]
    assert gain["diff"] == pytest.approx(0.05) and gain["ci95"][0] > 0
    assert list(overall["diffs"]) == ["llm2sasrec - sasrec_random"]  # no shuffled runs given
    table = bench.markdown(
        {
            "dataset": "tiny",
            "seeds": {"llm2sasrec": [0], "sasrec_random": [0, 1]},
            "samples": 100,
            **result,
            "machine": "test",
            "command": "python benchmarks/text_init.py",
        }
    )
    assert "| rare | 100 |" in table and "+0.0500 [" in table and "sasrec_random: 2" in table
