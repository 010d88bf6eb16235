"""The report: blocks from results files, README blocks and the number check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from recommender import report
from recommender.provenance import collect_provenance, config_digest, digest_at_commit

ROOT = Path(__file__).resolve().parent.parent


def _checkout(tmp_path: Path) -> Path:
    """A copy of the committed results, README, allow-list and docs/results.md."""
    shutil.copytree(ROOT / "benchmarks" / "results", tmp_path / "benchmarks" / "results")
    (tmp_path / "docs").mkdir()
    for name in ("README.md", "docs/report_allowlist.toml", "docs/results.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_committed_readme_passes_the_check() -> None:
    assert report.check(ROOT) == []


def test_a_changed_result_fails_the_block_check(tmp_path) -> None:
    root = _checkout(tmp_path)
    path = root / "benchmarks/results/llm_srec_ml1m.json"
    data = json.loads(path.read_text())
    data["methods"]["fused"]["ndcg@10"] = 0.2500
    path.write_text(json.dumps(data))
    problems = report.check(root)
    assert any("README block 'llm-srec'" in p for p in problems)
    assert any("docs/results.md" in p for p in problems)


def test_an_untraced_readme_number_fails_and_the_allowlist_admits_it(tmp_path) -> None:
    root = _checkout(tmp_path)
    readme = root / "README.md"
    text = readme.read_text().replace(
        "### Chat latency and memory", "### Chat latency and memory\n\nOnce it took 123.45 ms.\n"
    )
    readme.write_text(text)
    assert any("123.45 ms" in p for p in report.check(root))
    allow = root / "docs/report_allowlist.toml"
    allow.write_text(allow.read_text() + '\n[[number]]\ntext = "123.45"\nreason = "a test"\n')
    assert report.check(root) == []


def test_rounding_units_and_settings() -> None:
    results = report.Results(ROOT)
    section = "\n## Results\nfused 0.1924, +0.5%, p50 721 ms, 9.6 min? 3 seeds, d=128\n"
    section += "### x\nNDCG@10 0.98765 and 12.3457% of it\n"
    missing = report.untraced_numbers(section, results)
    assert [n.text for n in missing] == ["0.98765", "12.3457"]
    numbers = report.measured_numbers("3 seeds, 1,000 users, 6,450.3 ms, d=128, lr 2e-3")
    assert [(n.value, n.unit) for n in numbers] == [(6450.3, "ms")]


def test_retrofitted_rows_say_unknown() -> None:
    blocks = report.generate(ROOT).blocks
    assert "provenance added later" in blocks["ablation"]  # retrieval_ml1m.json is recorded
    assert "checkpoint unknown" in blocks["retrieval"]  # now, by the llm2bert4rec runs
    assert "checkpoint 201291577ba2" in blocks["ranking"]  # the previous checkpoint
    assert "checkpoint cf487f3250d2" in blocks["llm-srec"]


def test_every_top_level_result_carries_provenance() -> None:
    folder = ROOT / "benchmarks" / "results"
    for path in [*folder.glob("*.json"), *(folder / "history").glob("*.json")]:
        provenance = json.loads(path.read_text()).get("provenance")
        assert provenance and provenance["schema"] == 1, path.name
        assert provenance["status"] in ("recorded", "retrofitted"), path.name


def test_collect_provenance_records_digests(tmp_path, tiny_dataset) -> None:
    artefact = tmp_path / "model.pt"
    artefact.write_bytes(b"weights")
    out = collect_provenance(
        "python x.py",
        artifacts={"checkpoint": artefact, "none": None},
        dataset=tiny_dataset,
        config={"seed": 0, "path": tmp_path},
    )
    assert out["status"] == "recorded" and set(out["artifacts"]) == {"checkpoint"}
    assert len(out["artifacts"]["checkpoint"]["digest"]) == 12
    assert out["data"]["name"] == tiny_dataset.name and len(out["data"]["digest"]) == 12
    assert out["config"]["digest"] == config_digest({"path": str(tmp_path), "seed": 0})[0]
    assert out["git_commit"] is None or len(out["git_commit"]) == 40


def test_digest_at_commit_matches_the_file_at_head() -> None:
    from recommender.digest import artifact_digest

    path = "checkpoints/ml-1m-llm2sasrec.pt"
    assert digest_at_commit(path, "HEAD") == artifact_digest(ROOT / path)
    assert digest_at_commit("no/such/file", "HEAD") is None


def test_the_llm2bert4rec_claim_appears_when_its_runs_do(tmp_path) -> None:
    root = _checkout(tmp_path)
    path = root / "benchmarks/results/retrieval_ml1m.json"
    data = json.loads(path.read_text())
    for name in ("llm2bert4rec", "bert4rec_random"):  # as before any of their runs
        data["models"].pop(name, None)
    path.write_text(json.dumps(data))
    assert "not run yet" in report._block_claims(report.Results(root))
    data["models"]["llm2bert4rec"] = {**data["models"]["llm2sasrec"], "ndcg@10": 0.1555}
    path.write_text(json.dumps(data))
    partial = report._block_claims(report.Results(root))
    assert "llm2bert4rec 0.1555" in partial and "the rest not run yet" in partial
    for name, ndcg in (("llm2bert4rec", 0.1901), ("bert4rec_random", 0.1702)):
        data["models"][name] = {
            **data["models"]["llm2sasrec"],
            "ndcg@10": ndcg,
            "hr@10": 0.3333,
            "ndcg@10_std": 0.0011,
        }
    path.write_text(json.dumps(data))
    claims = report._block_claims(report.Results(root))
    assert "llm2bert4rec 0.1901 / 0.3333" in claims and "random init 0.1702" in claims


def test_ranker_rows_are_paired_with_the_retrieval_run_they_stand_beside(tmp_path) -> None:
    # a stored "compare" against an older retrieval run must not reach the table
    root = _checkout(tmp_path)
    path = root / "benchmarks/results/conversation_ml1m_llm_srec.json"
    data = json.loads(path.read_text())
    data["compare"]["ndcg10"] = {"diff": 0.5, "ci95": [0.4, 0.6]}
    path.write_text(json.dumps(data))
    block = report.BLOCKS["ranker-decision"](report.Results(root))
    assert "+0.5000" not in block and "No LLM ranker is significantly better" in block


def test_the_new_user_block_has_every_model_and_the_component_pairs(tmp_path) -> None:
    """The README's results lead with the new-user table (issue 16): one row per model, and
    the paired differences that say which component helps where, read from the file."""
    root = _checkout(tmp_path)
    path = root / "benchmarks/results/new_users_ml1m.json"
    data = json.loads(path.read_text())
    block = report._block_new_users(report.Results(root))
    assert all(report.RETRIEVAL_LABELS.get(m, m) in block for m in data["models"])
    assert "(`llm_srec_fused - llm2sasrec`)" in block and "L=50 shuffled" in block
    data["pairs"]["llm_srec_fused - llm2sasrec"]["5"]["true"]["diff"] = 0.0999
    path.write_text(json.dumps(data))
    assert "+0.0999" in report._block_new_users(report.Results(root))
    path.unlink()
    assert "is missing" in report._block_new_users(report.Results(root))
