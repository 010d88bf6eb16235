"""Every results table and plot, regenerated from the committed run files; and a README check.

``python -m recommender report`` writes ``docs/results.md`` (every block below, each with the
provenance of the file it came from) and its PNGs. ``python -m recommender report --check``
exits non-zero when

1. a README block between ``<!-- report:NAME -->`` and ``<!-- /report:NAME -->`` differs
   from what :func:`generate` gives for ``NAME`` (fix: run ``report --write-readme``), or
   ``docs/results.md`` is not up to date (fix: run ``report``);
2. a number in the README's ``## Results`` section, outside the blocks, cannot be found in
   a committed results file (see :func:`untraced_numbers`) and is not in
   ``docs/report_allowlist.toml`` with a reason.

**Adding a block for a new results JSON** (conversation, matching, explanations, ...):

1. make the benchmark write ``"provenance": collect_provenance(...)`` into its JSON
   (:mod:`recommender.provenance`);
2. write ``def _block_NAME(results: Results) -> str`` below, returning markdown built only
   from ``results.load("file.json")`` (end it with ``_source_line(...)``), and add it to
   ``BLOCKS``;
3. put ``<!-- report:NAME -->`` and ``<!-- /report:NAME -->`` on their own lines where the
   table goes in README.md and run ``python -m recommender report --write-readme``.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recommender.stats import compare_targets

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path("benchmarks/results")
RESULTS_MD = Path("docs/results.md")
ALLOWLIST = Path("docs/report_allowlist.toml")
BLOCK_RE = re.compile(r"<!-- report:([\w-]+) -->\n(.*?)<!-- /report:\1 -->", re.S)
# a number as written in prose: 0.1844, 6,450.3, 2.6, 42 (sign and thousands separators allowed)
NUMBER_RE = re.compile(r"(?<![\w.@/=-])[+\-−]?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w.]*[/@])")
PER_EPOCH_LOGS = frozenset({"history", "head_training"})
UNIT_RE = re.compile(r"\s?(%|ms\b|s\b|min\b|MB\b|GB\b|GiB\b)")


class Results:
    """The committed results files of one checkout, loaded on demand."""

    def __init__(self, root: Path = REPO_ROOT) -> None:
        self.root = root
        self.folder = root / RESULTS_DIR
        self._cache: dict[str, Any] = {}

    def load(self, name: str) -> Any:
        """The parsed JSON ``benchmarks/results/<name>`` (None when absent)."""
        if name not in self._cache:
            path = self.folder / name
            self._cache[name] = json.loads(path.read_text()) if path.exists() else None
        return self._cache[name]

    def all_json(self) -> Iterator[tuple[Path, Any]]:
        """Every committed results JSON under ``benchmarks/results`` (runs included)."""
        for path in sorted(self.folder.rglob("*.json")):
            yield path, json.loads(path.read_text())


# ------------------------------------------------------------------------ formatting
def _f(value: float | None, digits: int = 4, sign: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _ci(diff: dict[str, Any]) -> str:
    low, high = diff["ci95"]
    value = diff["ndcg@10_diff"] if "ndcg@10_diff" in diff else diff["diff"]
    return f"{_f(value, sign=True)} [{_f(low, sign=True)}, {_f(high, sign=True)}]"


def _digest_text(provenance: dict[str, Any] | None, role: str) -> str:
    if not provenance:
        return "unknown"
    entry = provenance.get("artifacts", {}).get(role)
    return entry["digest"] if entry and entry.get("digest") else "unknown"


def _source_line(name: str, result: dict[str, Any] | None, roles: tuple[str, ...] = ()) -> str:
    """One line under a table: the file, its command and its provenance, or what is unknown."""
    if result is None:
        return f"<sub>Source: `benchmarks/results/{name}` is missing.</sub>\n"
    provenance = result.get("provenance")
    parts = [f"Source: `benchmarks/results/{name}`"]
    if not provenance:
        parts.append("provenance not recorded (run before provenance existed)")
    else:
        for role in roles:
            parts.append(f"{role} {_digest_text(provenance, role)}")
        data = provenance.get("data") or {}
        parts.append(f"data {data.get('digest') or 'unknown'}")
        commit = provenance.get("git_commit")
        if commit:
            parts.append(
                f"commit {commit[:10]}" + (" (dirty)" if provenance.get("git_dirty") else "")
            )
        elif provenance.get("committed_in"):
            parts.append(f"code commit unknown (result committed in {provenance['committed_in']})")
        if provenance.get("status") == "retrofitted":
            parts.append("provenance added later (see its `how`)")
    return "<sub>" + "; ".join(parts) + ".</sub>\n"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- blocks
RETRIEVAL_LABELS = {
    "mostpop": "mostpop",
    "llmseqsim": "llmseqsim (mean session)",
    "llmseqsim_recency": "llmseqsim_recency",
    "llm2sasrec": "**llm2sasrec** (text init)",
    "hybrid": "hybrid (llm2sasrec + llmseqsim)",
    "sasrec_random": "sasrec_random (random init)",
    "llm2sasrec_shuffled": "llm2sasrec_shuffled (control)",
}


def _block_retrieval(results: Results) -> str:
    name = "retrieval_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    rows = []
    for model, m in result["models"].items():
        rows.append(
            [
                RETRIEVAL_LABELS.get(model, model),
                str(len(m["seeds"])),
                f"{_f(m['ndcg@10'])} ± {_f(m['ndcg@10_std'])}",
                f"{_f(m['hr@10'])} ± {_f(m['hr@10_std'])}",
                _f(m["mrr@10"]),
                _f(m["ndcg@20"]),
                _f(m["hr@20"]),
            ]
        )
    header = ["model", "seeds", "NDCG@10", "HR@10", "MRR@10", "NDCG@20", "HR@20"]
    note = "Mean ± standard deviation over seeds; each seed's checkpoint is a different file.\n"
    return _table(header, rows) + "\n" + note + _source_line(name, result, ("checkpoint",))


NEW_USER_LENGTHS = ("5", "10", "20", "50")
# the pairs that say which component helps where, in the order a reader asks them
NEW_USER_PAIRS = (
    ("llm2sasrec - sasrec_random", "text-embedding item table vs random init"),
    ("llm2sasrec - llm2sasrec_shuffled", "the text's meaning vs its geometry (shuffled control)"),
    ("llm2bert4rec - bert4rec_random", "text init in BERT4Rec"),
    ("hybrid - llm2sasrec", "+ LLMSeqSim text similarity"),
    ("llm_srec_fused - llm2sasrec", "LLM-SRec heads re-ranking the top-20"),
    ("label_ranker_fused - llm2sasrec", "LoRA label ranker re-ranking the top-20"),
    ("llm2sasrec_permavg - llm2sasrec", "averaging 8 history orders"),
)


def _block_new_users(results: Results) -> str:
    """The regime the app lives in: users never trained on, with 5-50 titles."""
    name = "new_users_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    rows = []
    for model, m in result["models"].items():
        cells = []
        for length in NEW_USER_LENGTHS:
            for order in ("true", "shuffled"):
                cell = m.get(length, {}).get(order)
                cells.append(_f(cell["ndcg@10"]) if cell else "-")
        rows.append([RETRIEVAL_LABELS.get(model, model), str(len(m["seeds"])), *cells])
    header = ["model", "seeds"] + [
        f"L={n} {'true' if order == 'true' else 'shuffled'}"
        for n in NEW_USER_LENGTHS
        for order in ("true", "shuffled")
    ]
    pair_rows = []
    for pair, what in NEW_USER_PAIRS:
        diffs = result["pairs"].get(pair)
        if not diffs:
            continue
        cells = []
        for length in NEW_USER_LENGTHS:
            for order in ("true", "shuffled"):
                d = diffs.get(length, {}).get(order)
                cells.append(_ci(d) if d else "-")
        seeds = ", ".join(map(str, result.get("pair_seeds", {}).get(pair, [])))
        pair_rows.append([f"{what} (`{pair}`)", seeds, *cells])
    note = (
        "NDCG@10, mean over seeds, for held-out users (10% of ML-1M, never trained, tuned or "
        "early-stopped on), their next item ranked against the whole catalogue after their last "
        "L items, in true order and shuffled (a typed paste has no order). Paired differences "
        "per user, 95% bootstrap intervals; every model, HR@10 and MRR@10 with intervals in "
        "`benchmarks/results/new_users_ml1m.md`.\n"
    )
    return (
        _table(header, rows)
        + "\n"
        + _table(["which component, where", "seeds", *header[2:]], pair_rows)
        + "\n"
        + note
        + _source_line(name, result)
    )


def _block_ablation(results: Results) -> str:
    name = "retrieval_ablation_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    base = result["base"]["0"]
    rows = [
        [
            "base: the previous default",
            _f(base["valid_ndcg@10"]),
            _f(base["test"]["ndcg@10"]),
            str(base["epochs"]),
        ]
    ]
    for variant in result["variants"].values():
        seed = variant["seeds"].get("0")
        if seed is None:
            continue
        rows.append(
            [
                variant["change"],
                _f(seed["valid_ndcg@10"]),
                _f(seed["test"]["ndcg@10"]),
                str(seed["epochs"]),
            ]
        )
    header = ["variant (seed 0)", "valid NDCG@10", "test NDCG@10", "best epoch"]
    return _table(header, rows) + "\n" + _source_line(name, result)


def _block_text_init(results: Results) -> str:
    name = "text_init_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    pairs = list(result["rows"][0]["diffs"])
    rows = []
    for row in result["rows"]:
        rows.append(
            [f"{row['group']} ({row['users']})"] + [_ci(row["diffs"][pair]) for pair in pairs]
        )
    seeds = ", ".join(f"{model} {len(s)}" for model, s in result["seeds"].items())
    header = ["test users (count)", *(f"{p} [95% CI]" for p in pairs)]
    note = (
        f"Paired per user, NDCG@10 averaged over seeds ({seeds}); "
        f"bootstrap over users, {result['samples']} samples.\n"
    )
    return _table(header, rows) + "\n" + note + _source_line(name, result)


def _block_chat_latency(results: Results) -> str:
    name = "chat_latency.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    step, api = result["step"], result.get("api") or {}
    rows = [
        [
            "first recommendation (ms)",
            f"{step['first_recommendation_ms']['p50']:.1f}",
            f"{step['first_recommendation_ms']['p95']:.1f}",
            "p50 <= 1000, p95 <= 3000",
        ],
        *(
            [
                [
                    "every card explained (ms)",
                    f"{step['every_card_explained_ms']['p50']:.1f}",
                    f"{step['every_card_explained_ms']['p95']:.1f}",
                    "p50 <= 1000",
                ]
            ]
            if step.get("every_card_explained_ms")
            else []
        ),
        [
            "full reply with explanations (ms)",
            f"{step['full_reply_ms']['p50']:.1f}",
            f"{step['full_reply_ms']['p95']:.1f}",
            "p50 <= 6000",
        ],
    ]
    if api:
        rows.append(
            [
                "/recommend over HTTP, complete (ms)",
                f"{api['recommend_ms']['p50']:.1f}",
                f"{api['recommend_ms']['p95']:.1f}",
                "",
            ]
        )
    return (
        _table(["measure", "p50", "p95", "target"], rows)
        + "\n"
        + _source_line(name, result, ("checkpoint", "heads"))
    )


def _block_chat_concurrency(results: Results) -> str:
    name = "chat_latency.json"
    result = results.load(name)
    section = (result or {}).get("concurrent")
    if section is None:
        return f"<sub>Source: `benchmarks/results/{name}` has no `concurrent` section.</sub>\n"
    rows = []
    for run in section["settings"]:
        latency = run["latency_ms"]
        best = run["compute_slots"] == section["best_compute_slots"]
        slots = f"**{run['compute_slots']}**" if best else str(run["compute_slots"])
        rows.append(
            [
                slots,
                f"{run['throughput_turns_per_s']:.2f}",
                f"{latency['p50']:.0f}",
                f"{latency['p95']:.0f}",
                f"{latency['max']:.0f}",
                str(run["errors"]),
                str(run["crosstalk_replies"]),
                f"{run['turns']} / {run['cited_titles_checked']}",
            ]
        )
    header = [
        "compute slots", "turns/s", "p50 ms", "p95 ms", "max ms", "errors", "cross-talk",
        "turns / cited titles checked",
    ]  # fmt: skip
    note = (
        f"{section['clients']} clients at once, {section['turns_per_client']} `/chat` turns "
        f"each over HTTP (latency includes queueing), one run per setting; best (bold): "
        f"{section['best_compute_slots']}. Machine: {section['machine']}.\n"
    )
    return _table(header, rows) + "\n" + note + _source_line(name, section, ("checkpoint",))


def _block_soak(results: Results) -> str:
    name = "soak.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    run, checks = result["run"], result["checks"]
    memory, latency = run["memory"], run["latency_ms"]
    rows = [
        [
            str(run["clients"]),
            f"{result['args']['minutes']:g}",
            str(run["turns"]),
            f"{run['throughput_turns_per_s']:.2f}",
            f"{latency['p50']:.0f} / {latency['p95']:.0f} / {latency['max']:.0f}",
            str(run["errors"]),
            str(run["crosstalk_replies"]),
            f"{memory['first_tenth_mb']:.0f} -> {memory['last_tenth_mb']:.0f} "
            f"({memory['relative_growth'] * 100:+.1f}%)",
        ]
    ]
    header = [
        "clients", "minutes", "turns", "turns/s", "p50 / p95 / max ms", "errors",
        "cross-talk", "app RSS MB after warm-up -> end",
    ]  # fmt: skip
    lines = [_table(header, rows)]
    if "abuser" in run:
        turns, uploads = run["abuser"]["turns"], run["abuser"]["uploads"]
        cut = uploads.get("closed_early", 0)
        lines.append(
            f"Abusive client alongside: {turns['turns']} turns fired in parallel bursts on one "
            f"session ({turns['served']} served, {turns['refused_busy']} refused at once as "
            f"busy, {turns['errors']} errors); {uploads['sent']} uploads of twice the paste "
            f"limit ({uploads['refused_413']} refused with HTTP 413, "
            + (f"{cut} cut off by the server before they were sent in full, " if cut else "")
            + f"{uploads['accepted']} accepted).\n"
        )
    growth = memory["relative_growth"] * 100
    lines.append(
        f"Checks: errors {run['errors']} ({_passed(checks['no_errors'])}), cross-talk "
        f"{run['crosstalk_replies']} ({_passed(checks['no_crosstalk'])}), app memory "
        f"{growth:+.1f}% after the warm-up against a {checks['max_growth'] * 100:g}% bound "
        f"({_passed(checks['flat_memory'])}; slope {memory['slope_mb_per_min']:.2f} MB/min). "
        f"Machine: {result['machine']}.\n"
    )
    if memory.get("warmup_s") is not None:
        serving = result.get("serving") or {}
        malloc = ""
        if "malloc_arenas" in serving:
            malloc = (
                f" The app ran with {serving['malloc_arenas'] or 'glibc default'} malloc arenas, "
                f"trimmed every {serving['malloc_trim_s']:g} s, and "
                f"{serving.get('torch_threads') or 'default'} torch thread(s)."
            )
        lines.append(
            f"Memory: the check leaves out a warm-up of {memory['warmup_s'] / 60:.1f} min "
            f"(start-up, the first turns, the session store, caches and allocator arenas "
            f"filling); RSS "
            f"{memory['start_mb']:.0f} MB at the first sample, {memory['warmup_end_mb']:.0f} MB "
            f"when the warm-up ended, then the median of the first tenth of the remaining samples "
            f"against that of the last tenth.{malloc}\n"
        )
    return "\n".join(lines) + _source_line(name, result, ("checkpoint",))


def _passed(ok: bool) -> str:
    return "passed" if ok else "FAILED"


def _block_chat_latency_llm(results: Results) -> str:
    """``chat_latency.py --llm-explanations on``: the reply with the LLM wording streamed."""
    name = "chat_latency_llm_wording.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    step = result["step"]
    rows = [
        [label, f"{step[key]['p50']:.1f}", f"{step[key]['p95']:.1f}", target]
        for label, key, target in (
            ("first recommendation (ms)", "first_recommendation_ms", "p50 <= 1000"),
            ("every card explained, deterministic (ms)", "every_card_explained_ms", "p50 <= 1000"),
            ("full reply, LLM wording complete (ms)", "full_reply_ms", "p50 <= 4000"),
        )
    ]
    sources = ", ".join(f"{k} {v}" for k, v in step.get("explanation_sources", {}).items())
    reasons = ", ".join(f"{k} {v}" for k, v in step.get("template_reasons", {}).items())
    why = f" (deterministic because: {reasons})" if reasons else ""
    return (
        _table(["measure", "p50", "p95", "target"], rows)
        + f"\nCards by final wording: {sources}{why}. Command: `{result['command']}`.\n\n"
        + _source_line(name, result, ("checkpoint", "explain_adapter"))
    )


def _block_ranking(results: Results) -> str:
    name = "ranking_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    fused = result["fused"]
    rows = [
        ["retrieval (LLM2SASRec order)", *_metric_cells(result["retrieval"]), ""],
        ["zero-shot LLM", *_metric_cells(result["zero_shot"]), "LLM-only order, B=1"],
        ["fine-tuned LLM (LoRA)", *_metric_cells(result["finetuned"]), "LLM-only order, B=1"],
        [
            "fused",
            *_metric_cells(fused),
            f"{fused['llm']}, weight {fused['weight']} (tuned on validation)",
        ],
    ]
    header = ["method", "NDCG@10", "HR@10", "MRR@10", "notes"]
    return _table(header, rows) + "\n" + _source_line(name, result, ("checkpoint", "adapter"))


def _metric_cells(metrics: dict[str, float]) -> list[str]:
    return [_f(metrics["ndcg@10"]), _f(metrics["hr@10"]), _f(metrics["mrr@10"])]


def _pair(metrics: dict[str, Any], name: str) -> str:
    """'NDCG@10 / HR@10' of one model."""
    return f"{_f(metrics[name]['ndcg@10'])} / {_f(metrics[name]['hr@10'])}"


def _seeds(count: int) -> str:
    return f"{count} seed" if count == 1 else f"{count} seeds"


def _bert_seeds(bert: dict[str, Any]) -> str:
    """How many seeds the LLM2BERT4Rec claim rests on; a spread only from two seeds on."""
    counts = {name: len(bert[name]["seeds"]) for name in ("llm2bert4rec", "bert4rec_random")}
    text, control = counts["llm2bert4rec"], counts["bert4rec_random"]
    said = f"{_seeds(text)} each" if text == control else f"{_seeds(text)} and {_seeds(control)}"
    if counts["llm2bert4rec"] < 2:
        return f"{said} (no spread or interval yet)"
    return f"{said}, mean ± std {_mean_std(bert, 'llm2bert4rec')}"


def _mean_std(metrics: dict[str, Any], name: str) -> str:
    return f"{_f(metrics[name]['ndcg@10'])} ± {_f(metrics[name]['ndcg@10_std'])}"


def _block_llm_srec(results: Results) -> str:
    name = "llm_srec_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    methods = result["methods"]
    rows = [
        [
            "retrieval (LLM2SASRec order)",
            _f(methods["retrieval"]["ndcg@10"]),
            _f(methods["retrieval"]["hr@10"]),
        ],
        [
            "LLM-SRec heads, LLM-only order",
            _f(methods["llm_srec"]["ndcg@10"]),
            _f(methods["llm_srec"]["hr@10"]),
        ],
        [
            f"LLM-SRec fused with retrieval (w = {result['fusion_weight']}, tuned on validation)",
            _f(methods["fused"]["ndcg@10"]),
            _f(methods["fused"]["hr@10"]),
        ],
    ]
    return (
        _table(["method", "NDCG@10", "HR@10"], rows)
        + "\n"
        + _source_line(name, result, ("checkpoint", "heads"))
    )


def _llmrank_claims(result: dict[str, Any]) -> list[list[str]]:
    """The claims rows of LLMRank (prompt styles, bootstrapping) from the seeded runs."""
    comps, bias = result["comparisons"], result["position_bias"]
    digest = _digest_text(result.get("provenance"), "checkpoint")
    scope = (
        f"{result['users_per_seed']} users x {len(result['seeds'])} seeds, paired 95% CI "
        "(users pooled)"
    )
    styles = "; ".join(
        f"{label} {style.replace('_', '-')} - recency {_ci(comps[key])}"
        for label, variant in (("zero-shot", "zero_shot"), ("fine-tuned", "finetuned"))
        for style in ("sequential", "in_context")
        if (key := f"{variant}: {style} - recency") in comps
    )
    rows = [
        [
            "Recency-focused vs sequential vs in-context prompts (LLMRank, Hou et al.)",
            "recency-focused beats sequential; in-context similar",
            f"NDCG@10 {styles} (fine-tuned: trained on recency only)",
            scope,
            f"checkpoint {digest}",
        ]
    ]
    one, three = bias.get("zero_shot recency B=1"), bias.get("zero_shot recency B=3")
    diff = comps.get("zero_shot recency: B=3 - B=1")
    if one and three and diff:
        scope = (
            f"{diff['users']} users (B=3 on the first "
            f"{', '.join(map(str, result.get('users_bootstrapped_per_seed') or []))} of each of "
            f"{len(three['seeds'])} seeds), paired 95% CI"
        )
        rows.append(
            [
                "Bootstrapped candidate orders reduce position bias (LLMRank, Hou et al.)",
                "bootstrapping helps",
                f"zero-shot top pick at A {_f(one['top_pick_at_A'], 3)} (B=1) -> "
                f"{_f(three['top_pick_at_A'], 3)} (B=3); NDCG@10 B=3 - B=1 {_ci(diff)}",
                scope,
                f"checkpoint {digest}",
            ]
        )
    return rows


def _block_claims(results: Results) -> str:
    """The seeds' claims next to the published ones, each row with its seeds, interval and
    checkpoint digest (rows from different checkpoints say so)."""
    rows: list[list[str]] = []
    retrieval = results.load("retrieval_ml1m.json")
    text_init = results.load("text_init_ml1m.json")
    ranking = results.load("ranking_ml1m.json")
    srec = results.load("llm_srec_ml1m.json")
    srec_prev = results.load("history/llm_srec_ml1m.5bb4f12.json")
    llmrank = results.load("llmrank_prompts_ml1m.json")
    if retrieval:
        m = retrieval["models"]
        rows.append(
            [
                "SASRec, full-catalogue cross-entropy (Klenitskiy & Vasilev 2023)",
                "NDCG@10 0.182, HR@10 0.315 on ML-1M",
                f"llm2sasrec {_pair(m, 'llm2sasrec')}; random init {_pair(m, 'sasrec_random')}",
                f"{len(m['llm2sasrec']['seeds'])} seeds, mean ± std {_mean_std(m, 'llm2sasrec')}",
                "per-seed checkpoints: unknown",
            ]
        )
    if text_init:
        overall = text_init["rows"][0]["diffs"]
        rows.append(
            [
                "LLM2SASRec: text-embedding init beats random init (Boz et al. 2024)",
                "a gain (see the paper)",
                f"text - random {_ci(overall['llm2sasrec - sasrec_random'])}; "
                f"text - shuffled {_ci(overall['llm2sasrec - llm2sasrec_shuffled'])}",
                f"{len(text_init['seeds']['llm2sasrec'])} seeds each, paired 95% CI",
                "per-seed checkpoints: unknown",
            ]
        )
    if retrieval:
        m = retrieval["models"]
        rows.append(
            [
                "LLMSeqSim: session text-embedding similarity (Harte et al. 2023)",
                "a strong baseline (see the paper)",
                f"mean session {_pair(m, 'llmseqsim')}, recency {_pair(m, 'llmseqsim_recency')}, "
                f"mostpop {_pair(m, 'mostpop')} (NDCG@10 / HR@10)",
                "deterministic (3 seeds agree)",
                "no checkpoint",
            ]
        )
        rows.append(
            [
                "Hybrid of LLMSeqSim and a sequential model (Harte et al. 2023)",
                "the hybrid helps (see the paper)",
                f"hybrid {_mean_std(m, 'hybrid')} vs llm2sasrec {_mean_std(m, 'llm2sasrec')}",
                f"{len(m['hybrid']['seeds'])} seeds, ± std",
                "per-seed checkpoints: unknown",
            ]
        )
    bert = (retrieval or {}).get("models", {})
    if "llm2bert4rec" in bert and "bert4rec_random" in bert:
        rows.append(
            [
                "LLM2BERT4Rec: text init helps BERT4Rec too (Boz et al. 2024)",
                "LLM2BERT4Rec is the paper's best variant (see the paper)",
                f"llm2bert4rec {_pair(bert, 'llm2bert4rec')}; "
                f"random init {_pair(bert, 'bert4rec_random')}",
                _bert_seeds(bert),
                "per-seed checkpoints: unknown",
            ]
        )
    else:
        done = [name for name in ("llm2bert4rec", "bert4rec_random") if name in bert]
        ran = "; ".join(f"{name} {_pair(bert, name)}" for name in done)
        rows.append(
            [
                "LLM2BERT4Rec (Boz et al. 2024)",
                "see the paper",
                (f"{ran}; the rest " if done else "")
                + "not run yet (`python benchmarks/retrieval.py --models llm2bert4rec "
                "bert4rec_random --seeds 3`)",
                ", ".join(f"{name}: {_seeds(len(bert[name]['seeds']))}" for name in done),
                "per-seed checkpoints: unknown" if done else "",
            ]
        )
    if ranking:
        digest = _digest_text(ranking.get("provenance"), "checkpoint")
        comparisons = ranking["comparisons"]
        rows.append(
            [
                "Fine-tuned beats zero-shot LLM ranking (LlamaRec)",
                "a gain (see the paper)",
                f"fine-tuned - zero-shot {_ci(comparisons['finetuned - zero_shot'])}",
                f"{ranking['users']} users, paired 95% CI, one fine-tune",
                f"checkpoint {digest}",
            ]
        )
    if llmrank:
        rows.extend(_llmrank_claims(llmrank))
    elif ranking:
        digest = _digest_text(ranking.get("provenance"), "checkpoint")
        rows.append(
            [
                "Recency-focused vs sequential vs in-context prompts (LLMRank, Hou et al.)",
                "recency-focused prompts help",
                f"only `{ranking['prompt_style']}` was measured",
                "",
                f"checkpoint {digest}",
            ]
        )
        by_b = ranking["zero_shot"]["by_bootstrap"]
        rows.append(
            [
                "Bootstrapped candidate orders reduce position bias (LLMRank, Hou et al.)",
                "bootstrapping helps",
                "zero-shot NDCG@10 "
                + ", ".join(f"B={b} {_f(v['ndcg@10'])}" for b, v in by_b.items())
                + "; by position: docs/results.md",
                f"{ranking['users']} users, no interval stored",
                f"checkpoint {digest}",
            ]
        )
    if srec:
        paired = srec["paired"]
        rows.append(
            [
                "LLM-SRec: distilled heads on a frozen LLM (Kim et al. 2025)",
                "beats the frozen LLM and the SASRec it distils (see the paper)",
                f"fused - retrieval {_ci(paired['fused - retrieval'])}; "
                f"LLM-only - retrieval {_ci(paired['llm_srec - retrieval'])}",
                f"{srec['users']} users, paired 95% CI, one training seed",
                f"checkpoint {_digest_text(srec.get('provenance'), 'checkpoint')}",
            ]
        )
    if srec_prev:
        paired = srec_prev["paired"]
        rows.append(
            [
                "LLM-SRec vs the frozen LLM's own label ranking (earlier run)",
                "LLM-SRec wins (see the paper)",
                f"LLM-SRec - zero-shot labels {_ci(paired['llm_srec - zero_shot'])}; "
                f"fused - retrieval {_ci(paired['fused - retrieval'])}",
                f"{srec_prev['users']} users, paired 95% CI",
                f"checkpoint {_digest_text(srec_prev.get('provenance'), 'checkpoint')} "
                "(the previous one; not the row above's)",
            ]
        )
    header = ["claim (paper)", "published", "ours (ML-1M, test)", "seeds / interval", "made with"]
    note = (
        "Published results are stated as the papers' claims; the one published number is the "
        "reference the README compares with. Rows name their checkpoint digest: rows with "
        "different digests come from different models.\n"
    )
    return _table(header, rows) + "\n" + note


def _block_conversation(results: Results) -> str:
    name = "conversation_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    summary = result["summary"]
    rows = [
        [
            category,
            f"{c['clean']}/{c['turns']}",
            f"{100 * c['pass_rate']:.1f}%",
        ]
        for category, c in summary["categories"].items()
    ]
    rows.append(
        [
            "**all turns**",
            f"{summary['turns_clean']}/{summary['turns']}",
            f"{100 * summary['turn_pass_rate']:.1f}%",
        ]
    )
    lines = [_table(["category", "clean turns", "pass rate"], rows)]
    lat = summary["turn_latency_ms"]
    lines.append(
        f"Scenarios clean: {summary['scenarios_clean']}/{summary['scenarios']}. "
        f"Turn latency without explanations: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms "
        f"(ranking: {result['serving']['ranking']}).\n"
    )
    target = summary.get("target_given_request")
    if target:
        text = (
            f"The held-out target given the request ({target['users']} generated scenarios): "
            f"HR@10 {target['hr10']:.4f}, NDCG@10 {target['ndcg10']:.4f}"
        )
        other = results.load("conversation_ml1m_llm_srec.json") or {}
        # paired against this very run (the stored "compare" may be against an older one)
        compare = compare_targets(other["targets"], result) if other.get("targets") else None
        if compare and compare.get("scenarios"):
            c, h = compare["ndcg10"], compare["hr10"]
            made = (other.get("provenance") or {}).get("git_commit") or ""
            mine = (result.get("provenance") or {}).get("git_commit") or ""
            # a run of older code is paired as it is, and says so
            when = f", run at commit {made[:10]}" if made and made[:10] != mine[:10] else ""
            text += (
                f". With LLM-SRec ranking (`--ranking auto`{when}: HR@10 "
                f"{other['summary']['target_given_request']['hr10']:.4f}, turn p50 "
                f"{other['summary']['turn_latency_ms']['p50']:.1f} ms) minus this, paired over "
                f"the {compare['scenarios']} scenarios: NDCG@10 {_f(c['diff'], sign=True)} "
                f"[{_f(c['ci95'][0], sign=True)}, {_f(c['ci95'][1], sign=True)}], HR@10 "
                f"{_f(h['diff'], sign=True)} [{_f(h['ci95'][0], sign=True)}, "
                f"{_f(h['ci95'][1], sign=True)}]"
            )
        lines.append(text + ".\n")
        by_format = summary.get("target_by_paste_format") or {}
        if by_format:
            lines.append(
                "By how the history was pasted: "
                + "; ".join(
                    f"{FORMAT_LABELS.get(fmt, fmt)} ({f['users']}) HR@10 {f['hr10']:.4f}, "
                    f"NDCG@10 {f['ndcg10']:.4f}"
                    for fmt, f in by_format.items()
                )
                + ".\n"
            )
    return "\n".join(lines) + "\n" + _source_line(name, result, ("sasrec_checkpoint", "srec_head"))


def _block_explanations(results: Results) -> str:
    name = "explanations_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    columns = [
        c for c in ("deterministic", "zero_shot", "fine_tuned", "fine_tuned_free") if c in result
    ]

    def cell(column: str, key: str, fmt: str = "{}") -> str:
        value = result[column].get(key)
        return "–" if value is None else fmt.format(value)

    def latency(column: str, key: str) -> str:
        value = result[column].get(key) or {}
        return "–" if value.get("p50") is None else f"{value['p50']:.1f}"

    rows = [
        ["explanations", *(cell(c, "explanations") for c in columns), ""],
        [
            "faithful (deletion test), share",
            *(cell(c, "faithful_share") for c in columns),
            ">= 0.90",
        ],
        [
            "names a pasted title, share",
            *(cell(c, "names_a_pasted_title_share") for c in columns),
            "1.0",
        ],
        [
            "shown explanations with unsupported facts",
            *(cell(c, "explanations_with_unsupported_facts") for c in columns),
            "0",
        ],
        [
            "LLM raw sentences with unsupported facts (before the filter)",
            *(cell(c, "raw_sentences_with_unsupported_facts") for c in columns),
            "",
        ],
        [
            "LLM-worded explanations passing the filter",
            *(cell(c, "llm_worded_pass_share") for c in columns),
            ">= 0.80",
        ],
        [
            "most frequent phrasing, share",
            *(cell(c, "top_phrasing_share") for c in columns),
            "<= 0.20",
        ],
        [
            "evidence + wording per reply, p50 ms",
            *(latency(c, "evidence_and_wording_ms") for c in columns),
            "",
        ],
        [
            "LLM wording complete per reply, p50 ms",
            *(latency(c, "latency_ms") for c in columns),
            "<= 4000",
        ],
    ]
    settings = result.get("llm_settings") or {}
    notes = []
    if "fine_tuned_free" in result:
        notes.append(
            "fine_tuned_free: the same adapter decoding without the number constraint "
            "(`llm.explain_constrained = false`)"
        )
    if settings:
        notes.append(
            f"LLM: {settings.get('threads')} torch thread(s), at most "
            f"{settings.get('max_new_tokens')} tokens and {settings.get('explain_timeout_s')} s "
            "per reply, greedy"
        )
    return (
        _table(["measure", *columns, "target"], rows)
        + f"\n{result['protocol']}. "
        + "".join(f"{n}. " for n in notes)
        + f"Command: `{result['command']}`.\n\n"
        + _source_line(name, result, ("checkpoint", "adapter"))
    )


FORMAT_LABELS = {
    "lines": "titles typed in watch order",
    "lines_any_order": "titles typed in no order",
    "letterboxd": "a dated Letterboxd export",
}


def _block_matching(results: Results) -> str:
    name = "matching_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    rows = [
        [fmt, str(c["cases"]), str(c["correct"]), str(c["wrong"]), str(c["listed_back"])]
        for fmt, c in result["by_format"].items()
    ]
    totals = result["totals"]
    rows.append(
        [
            "**all**",
            str(totals["cases"]),
            str(totals["correct"]),
            str(totals["wrong"]),
            str(totals["listed_back"]),
        ]
    )
    return (
        _table(["format", "lines", "correct", "confident wrong", "listed back"], rows)
        + f"\nCorrect {totals['correct_pct']:.1f}%; set `{result['set']}` "
        f"(sha256 {result['set_digest']}), catalogue digest {result['catalogue_digest']}, "
        f"commit {result['git_commit'][:10]}.\n"
    )


def _block_anchors(results: Results) -> str:
    name = "anchors_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    labels = {
        "popularity/reference": "the most watched films (whatever X is)",
        "text/space": "title-text vectors",
        "text/app": "title-text vectors, through the retriever",
        "sasrec/space": "LLM2SASRec item embeddings",
        "sasrec/app": "LLM2SASRec item embeddings, through the retriever",
        "sasrec+genres/space": "LLM2SASRec item embeddings + shared genres",
        "sasrec+genres/app": "LLM2SASRec item embeddings + shared genres, through the retriever",
        "history/space": "X pasted alone: LLM2SASRec's next item after X",
        "history/app": "X pasted alone, through the retriever",
        "history+like/app": "X pasted alone and read as like X (the app)",
        **{
            f"history{n}{like}/app": f"the last {n} titles pasted"
            + (", and read as like them" if like else "")
            + (" (the app)" if like and n <= 5 else "")
            for n in (2, 3, 5, 10)
            for like in ("", "+like")
        },
    }
    rows = [
        [
            labels.get(key, key),
            f"{m['ndcg@10']:.4f}",
            f"{m['hr@10']:.4f}",
            f"{m['genre_share@10']:.1%}",
        ]
        for key, m in result["metrics"].items()
    ]
    comparisons = [
        f"- {label}: NDCG@10 {c['diff']:+.4f} [{c['ci95'][0]:+.4f}, {c['ci95'][1]:+.4f}]"
        for label, c in result["comparisons"].items()
    ]
    default = result["default"]
    return (
        _table(["how the app looks for X", "NDCG@10", "HR@10", "top 10 sharing a genre"], rows)
        + f"\n{result['users']} ML-1M users; {result['proxy']}. The app's default: "
        f'`anchor_space = "{default["anchor_space"]}"`, `anchor_genre_weight = '
        f"{default['anchor_genre_weight']}`. Paired differences over users:\n\n"
        + "\n".join(comparisons)
        + "\n\n"
        + _source_line(name, result, ("checkpoint",))
    )


def _block_first_start(results: Results) -> str:
    name = "chat_latency.json"
    result = (results.load(name) or {}).get("first_start")
    if result is None:
        return f"<sub>Source: `benchmarks/results/{name}` has no `first_start` section.</sub>\n"
    targets = result["targets"]
    rows = []
    for label, key, target in (
        ("first start (empty cache)", "first", targets["first_start_chat_s"]),
        ("later start", "later", targets["later_start_chat_s"]),
    ):
        run = result[key]
        rows.append(
            [
                label,
                f"{run['http_200_s']:.1f}",
                f"{run['chat_ready_s']:.1f}",
                f"{run['first_reply_s']:.1f}",
                f"<= {target:.0f}",
                f"{run['app_rss_mb_max_sampled']:.0f}",
            ]
        )
    header = [
        "start",
        "status page, HTTP 200 (s)",
        "chat ready (s)",
        "first reply (s)",
        "target, chat ready (s)",
        "app RSS (MB)",
    ]
    note = f"Seconds from the process launch; machine: {result['machine']}.\n"
    return _table(header, rows) + "\n" + note + _source_line(name, result, ("checkpoint",))


def _scale_cell(stages: dict, stage: str, key: str, digits: int = 1) -> str:
    found = stages.get(stage, {})
    if found.get(key) is None:
        return "–"
    text = f"{found[key]:,.{digits}f}"
    return text + " (extrapolated)" if found.get("extrapolated") else text


def _block_scale(results: Results) -> str:
    name = "scale.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    rows = []
    for n, stages in result["sizes"].items():
        latency = stages.get("serve", {}).get("retrieval_ms")
        rows.append(
            [
                f"{int(n):,}",
                _scale_cell(stages, "load", "seconds"),
                _scale_cell(stages, "embed", "seconds"),
                _scale_cell(stages, "store", "seconds"),
                _scale_cell(stages, "store", "store_mb", 0),
                _scale_cell(stages, "serve", "startup_s"),
                f"{latency['p50']:.1f} / {latency['p95']:.1f}" if latency else "–",
                _scale_cell(stages, "serve", "peak_rss_mb", 0),
            ]
        )
    header = [
        "items (synthetic)",
        "load CSV (s)",
        "embed (s)",
        "Chroma build (s)",
        "store (MB)",
        "app start, cached (s)",
        "retrieval p50 / p95 (ms)",
        "app peak RSS (MB)",
    ]
    verdict = result.get("targets_at_100k") or {}
    targets = result["targets"]
    note = f"{result['label']}.\n"
    if verdict.get("measured"):
        note += (
            f"Targets at {targets['size']:,} items: retrieval p50 <= "
            f"{targets['retrieval_p50_ms']:.0f} ms "
            f"({'met' if verdict['retrieval_p50_met'] else 'missed'}), app memory <= "
            f"{targets['app_rss_mb']:.0f} MB "
            f"({'met' if verdict['app_memory_met'] else 'missed'}).\n"
        )
    for n, stages in result["sizes"].items():
        embed, store = stages.get("embed", {}), stages.get("store", {})
        serve = stages.get("serve", {})
        if embed.get("extrapolated"):
            note += (
                f"At {int(n):,} items: embedding time extrapolated from {embed['embedded']:,} "
                f"texts timed in {embed['measured_seconds']:.1f} s; "
                f"{embed.get('stand_in_vectors', 0):,} items have stand-in vectors.\n"
            )
        if store.get("extrapolated"):
            note += f"At {int(n):,} items the store was {store['note']}.\n"
        if serve.get("partial"):
            note += f"At {int(n):,} items the serving figures are partial: {serve['note']}.\n"
        threads = (serve.get("serving") or {}).get("torch_threads")
        if threads and any(name.startswith("serve_threads") for name in stages):
            note += f"At {int(n):,} items the table's retrieval ran at {threads} torch thread(s).\n"
        for stage, run in stages.items():
            latency = run.get("retrieval_ms") if stage.startswith("serve_threads") else None
            if latency:
                count = (run.get("serving") or {}).get("torch_threads")
                how = " (torch's default, one per core)" if stage == "serve_threads0" else ""
                note += (
                    f"At {int(n):,} items with {count} torch thread(s){how}: retrieval p50 / p95 "
                    f"{latency['p50']:.1f} / {latency['p95']:.1f} ms.\n"
                )
    for n, stages in result["sizes"].items():
        for run_name, run in (stages.get("previous") or {}).items():
            latency = run.get("retrieval_ms")
            match = re.search(r"load average ([\d.]+)", run.get("machine", ""))
            load = f", load average {match.group(1)}" if match else ""
            if latency:
                note += (
                    f"Earlier run at {int(n):,} items ({run_name}{load}): retrieval p50 / p95 "
                    f"{latency['p50']:.1f} / {latency['p95']:.1f} ms.\n"
                )
            elif "seconds" in run:
                note += f"Earlier run at {int(n):,} items ({run_name}{load}): "
                note += f"{run['seconds']:.1f} s.\n"
    loads = [
        f"{int(n):,}: {match.group(1)}"
        for n, stages in result["sizes"].items()
        if (
            match := re.search(r"load average ([\d.]+)", stages.get("serve", {}).get("machine", ""))
        )
    ]
    if loads:
        note += (
            "Load average (1 min) on the shared 2-core machine when each serve stage started: "
            + ", ".join(loads)
            + ".\n"
        )
    top = result.get("largest_size") or {}
    if top.get("slowest_prepare_stages"):
        stage = top["slowest_prepare_stages"][0]
        note += (
            f"At {top['items']:,} items the slowest prepare stage is {stage['what']} "
            f"({stage['seconds']:,.0f} s{', extrapolated' if stage['extrapolated'] else ''})"
        )
        if "app_peak_rss_mb" in top:
            over = "over" if top["app_memory_over_target"] else "within"
            late = "over" if top["retrieval_p50_over_target"] else "within"
            note += (
                f"; the app's peak memory is {over} the target and retrieval p50 {late} it "
                f"(slowest source: {top['slowest_source']})"
            )
        note += ".\n"
    return _table(header, rows) + "\n" + note + _source_line(name, result)


# the LLM rankers measured against the retrieval order on the same generated scenarios
# (a full run, or a ``--targets-only`` run: the same first turns, so the same targets' ranks)
RANKER_RUNS = (
    ("LLM-SRec, history only", ("conversation_ml1m_llm_srec.json",)),
    (
        "LLM-SRec, request-aware",
        (
            "conversation_ml1m_llm_srec_request.json",
            "conversation_ml1m_llm_srec_request_targets.json",
        ),
    ),
    (
        "LLM-SRec, request-aware, history from item states",
        (
            "conversation_ml1m_llm_srec_request_items.json",
            "conversation_ml1m_llm_srec_request_items_targets.json",
        ),
    ),
)


def _block_ranker_decision(results: Results) -> str:
    """Each LLM ranker minus the retrieval order on the conversation benchmark's held-out
    targets, and whether any is significantly better (its 95% interval above 0)."""
    from recommender.config import AppConfig

    base_name = "conversation_ml1m.json"
    base = results.load(base_name)
    if base is None:
        return _source_line(base_name, None)
    target = base["summary"]["target_given_request"]
    rows = [["retrieval order", _f(target["ndcg10"]), _f(target["hr10"]), "", ""]]
    better, sources = [], [_source_line(base_name, base, ("sasrec_checkpoint",))]
    for label, names in RANKER_RUNS:
        name = next((n for n in names if results.load(n) is not None), names[0])
        run = results.load(name)
        # paired against the retrieval run shown in the first row, recomputed here
        compare = compare_targets(run["targets"], base) if run and run.get("targets") else {}
        if run is None or not compare.get("scenarios"):
            continue
        mine = run["summary"]["target_given_request"]
        c, h = compare["ndcg10"], compare["hr10"]
        rows.append(
            [
                label,
                _f(mine["ndcg10"]),
                _f(mine["hr10"]),
                f"{_f(c['diff'], sign=True)} [{_f(c['ci95'][0], sign=True)}, "
                f"{_f(c['ci95'][1], sign=True)}]",
                f"{_f(h['diff'], sign=True)} [{_f(h['ci95'][0], sign=True)}, "
                f"{_f(h['ci95'][1], sign=True)}]",
            ]
        )
        if c["ci95"][0] > 0:
            better.append(label)
        sources.append(_source_line(name, run, ("sasrec_checkpoint", "srec_head")))
    header = ["ranker", "NDCG@10", "HR@10", "NDCG@10 minus retrieval [95%]",
              "HR@10 minus retrieval [95%]"]  # fmt: skip
    default = AppConfig().llm_ranking
    if better:
        verdict = f"Significantly better than the retrieval order: {', '.join(better)}."
    else:
        verdict = (
            "No LLM ranker is significantly better than the retrieval order here (every "
            "interval contains 0)."
        )
    lines = [
        _table(header, rows),
        f"Held-out target of the {target['users']} generated scenarios given the first request, "
        "paired bootstrap over scenarios. " + verdict + f" The app's default: `app.llm_ranking = "
        f'"{default}"`.\n',
    ]
    return "\n".join(lines) + "\n" + "".join(sources)


LLMRANK_PUBLISHED = "Hou et al. 2024 (LLMRank): ChatGPT-size LLMs ranking 20 candidates on ML-1M"


def _verdict(diff: dict[str, Any] | None, published_sign: int) -> str:
    """Whether a paired difference agrees in direction with a published one (0: 'similar')."""
    if diff is None:
        return "not measured"
    low, high = diff["ci95"]
    if low <= 0 <= high:
        return "consistent (no clear difference)" if published_sign == 0 else "no clear difference"
    sign = 1 if low > 0 else -1
    if published_sign == 0:
        return "differs (published: similar)"
    return "same direction" if sign == published_sign else "opposite direction"


def _block_llmrank(results: Results) -> str:
    name = "llmrank_prompts_ml1m.json"
    result = results.load(name)
    if result is None:
        return _source_line(name, None)
    comps = result["comparisons"]
    bias = result["position_bias"]
    seeds = ", ".join(map(str, result["seeds"]))
    claim_rows = []
    for variant, label in (("zero_shot", "zero-shot"), ("finetuned", "fine-tuned")):
        for style, published, sign in (
            ("sequential", "recency-focused beats sequential", -1),
            ("in_context", "in-context about as good as recency-focused", 0),
        ):
            diff = comps.get(f"{variant}: {style} - recency")
            claim_rows.append(
                [
                    f"{style.replace('_', '-')} - recency, NDCG@10",
                    published,
                    label,
                    _ci(diff) if diff else "not measured",
                    _verdict(diff, sign),
                ]
            )
    for variant, label in (("zero_shot", "zero-shot"), ("finetuned", "fine-tuned")):
        one, three = bias.get(f"{variant} recency B=1"), bias.get(f"{variant} recency B=3")
        if one:
            claim_rows.append(
                [
                    "top pick shown at A, B=1 (uniform " + _f(one["uniform_share"], 2) + ")",
                    "LLMs favour early positions",
                    label,
                    f"{_f(one['top_pick_at_A'], 3)} [{_f(one['top_pick_at_A_ci95'][0], 3)}, "
                    f"{_f(one['top_pick_at_A_ci95'][1], 3)}]; most often at position "
                    f"{one['top_pick_mode_position']} ({_f(one['top_pick_mode_share'], 3)})",
                    "a position bias"
                    if one["top_pick_mode_share"] > 2 * one["uniform_share"]
                    else "no clear position bias",
                ]
            )
        if one and three:
            diff = comps.get(f"{variant} recency: B=3 - B=1")
            reduced = three["top_pick_mode_share_ci95"][1] < one["top_pick_mode_share_ci95"][0]
            claim_rows.append(
                [
                    "bootstrapping, B=3 vs B=1",
                    "reduces the position bias",
                    label,
                    "share of the most frequent top-pick position "
                    f"{_f(one['top_pick_mode_share'], 3)} -> {_f(three['top_pick_mode_share'], 3)}"
                    f"; NDCG@10 {_ci(diff) if diff else 'n/a'}",
                    "same direction (bias reduced)" if reduced else "no clear reduction",
                ]
            )
    accuracy = {(r["variant"], r["prompt_style"], r["bootstrap"]): r for r in result["accuracy"]}

    def cell(variant: str, style: str | None, b: int | None) -> str:
        row = accuracy.get((variant, style, b))
        if row is None:
            return "-"
        low, high = row["ndcg@10_ci95"]
        return f"{_f(row['ndcg@10'])} [{_f(low)}, {_f(high)}]"

    acc_rows = [
        [
            style.replace("_", "-"),
            cell("zero_shot", style, 1),
            cell("finetuned", style, 1),
            _ci(comps[f"{style}: finetuned - zero_shot"])
            if f"{style}: finetuned - zero_shot" in comps
            else "-",
            cell("zero_shot", style, 3),
            cell("finetuned", style, 3),
        ]
        for style in result["prompt_styles"]
    ]
    retrieval = accuracy.get(("retrieval", None, None))
    text = (
        f"Published: {LLMRANK_PUBLISHED} (directions only; their numbers are not comparable). "
        f"Ours: SmolLM2-135M re-ranking the LLM2SASRec top-{result['candidates']} (LLM-only "
        f"orders) for {result['users_per_seed']} test users x seeds {seeds} "
        f"({result['users_pooled']} pooled; each seed its own user sample and shuffles"
        + (
            f"; B=3 for the first {result['users_bootstrapped_per_seed'][0]} of each seed's"
            if result.get("users_bootstrapped_per_seed")
            else ""
        )
        + "); "
        f"intervals: {result['interval']}. The fine-tuned adapter was trained on recency "
        "prompts only, so its sequential and in-context rows measure transfer.\n\n"
    )
    claims = _table(
        ["comparison", "published", "LLM", "ours [95% CI]", "ours vs published"], claim_rows
    )

    def users(variant: str, b: int) -> str:
        counts = {
            r["users"] for r in result["accuracy"] if (r["variant"], r["bootstrap"]) == (variant, b)
        }
        return f" ({counts.pop()} users)" if len(counts) == 1 else ""

    acc = _table(
        [
            "prompt",
            f"zero-shot NDCG@10, B=1{users('zero_shot', 1)}",
            f"fine-tuned NDCG@10, B=1{users('finetuned', 1)}",
            "fine-tuned - zero-shot",
            f"zero-shot, B=3{users('zero_shot', 3)}",
            f"fine-tuned, B=3{users('finetuned', 3)}",
        ],
        acc_rows,
    )
    retrieval_line = (
        f"Retrieval order on the same users: NDCG@10 {cell('retrieval', None, None)}; "
        f"the true item is a candidate for {result['candidate_hit_rate']:.1%} of them"
        + (
            f", so a random order of the candidates would score NDCG@10 "
            f"{_f(result['chance']['ndcg@10'])} (expected).\n"
            if result.get("chance")
            else ".\n"
        )
        if retrieval
        else ""
    )
    missing = (
        "Runs missing from this table: " + ", ".join(result["missing_runs"]) + ".\n\n"
        if result["missing_runs"]
        else ""
    )
    return (
        text
        + claims
        + "\n"
        + acc
        + "\n"
        + retrieval_line
        + "\n"
        + missing
        + _source_line(name, result, ("checkpoint", "adapter"))
    )


BLOCKS: dict[str, Callable[[Results], str]] = {
    "new-users": _block_new_users,
    "conversation": _block_conversation,
    "matching": _block_matching,
    "anchors": _block_anchors,
    "explanations": _block_explanations,
    "claims": _block_claims,
    "retrieval": _block_retrieval,
    "ablation": _block_ablation,
    "text-init": _block_text_init,
    "chat-latency": _block_chat_latency,
    "chat-concurrency": _block_chat_concurrency,
    "soak": _block_soak,
    "first-start": _block_first_start,
    "scale": _block_scale,
    "chat-latency-llm-wording": _block_chat_latency_llm,
    "ranking": _block_ranking,
    "llmrank": _block_llmrank,
    "llm-srec": _block_llm_srec,
    "ranker-decision": _block_ranker_decision,
}
TITLES = {
    "new-users": "New users: 5 to 50 titles, users the models never saw (ML-1M)",
    "conversation": "Conversations: scenarios replayed through step(), every turn judged",
    "matching": "Title matching of pasted lines",
    "anchors": '"More like X": where the app looks for films like a named one',
    "explanations": "Explanations: faithfulness, grounding, variety and speed",
    "claims": "The seeds' claims, side by side with the published ones",
    "retrieval": "Retrieval: LLM2SASRec and baselines (ML-1M, full ranking, test split)",
    "ablation": "Retrieval ablations (one change each against `base`)",
    "text-init": "Text init vs random init vs shuffled control (paired per user)",
    "chat-latency": "Chat latency",
    "chat-concurrency": "Many users at once: compute slots on 2 cores",
    "soak": "Soak: many clients for minutes, with an abusive one",
    "first-start": "First start and later starts",
    "scale": "Scale: synthetic catalogues of 10k to 1M items",
    "chat-latency-llm-wording": "Chat latency with the LLM wording of the explanations",
    "ranking": "LLM label ranking of the retrieval top-20",
    "llmrank": "LLMRank's questions: prompt styles, fine-tuning, position bias (with seeds)",
    "llm-srec": "LLM-SRec heads on the frozen LLM",
    "ranker-decision": "Which ranker: each LLM ranker minus the retrieval order in conversations",
}


# --------------------------------------------------------------------------- report
@dataclass
class Report:
    """The generated blocks, in ``BLOCKS`` order, and the figures to write."""

    blocks: dict[str, str]
    figures: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        """The whole ``docs/results.md``."""
        lines = [
            "# Results",
            "",
            "Generated by `python -m recommender report` from the committed files in "
            "`benchmarks/results/`; do not edit by hand (`report --check` fails when this file "
            "or a README block differs from what the files give). How to add a block: the "
            "docstring of `recommender/report.py`.",
            "",
        ]
        for name, text in self.blocks.items():
            lines += [f"## {TITLES.get(name, name)}", "", text.rstrip("\n"), ""]
            lines += [f"![{name}](results_{name}.png)", ""] if name in self.figures else []
        return "\n".join(lines)


def generate(root: Path = REPO_ROOT) -> Report:
    """Every block from the committed results of the checkout at ``root``."""
    results = Results(root)
    report = Report(blocks={name: build(results) for name, build in BLOCKS.items()})
    report.figures = [n for n in FIGURES if _figure_data(results, n) is not None]
    return report


# ---------------------------------------------------------------------------- figures
FIGURES = ("retrieval", "ranking")


def _figure_data(results: Results, name: str) -> Any:
    if name == "retrieval":
        return results.load("retrieval_ml1m.json")
    if name == "ranking":
        return results.load("ranking_ml1m.json")
    return None


def write_figures(root: Path = REPO_ROOT) -> list[Path]:
    """The PNGs of ``docs/results.md`` (matplotlib, Agg backend); the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = Results(root)
    written = []
    retrieval = _figure_data(results, "retrieval")
    if retrieval is not None:
        names = list(retrieval["models"])
        means = [retrieval["models"][n]["ndcg@10"] for n in names]
        stds = [retrieval["models"][n]["ndcg@10_std"] for n in names]
        fig, ax = plt.subplots(figsize=(7, 3.5))
        ax.barh(names, means, xerr=stds, color="#4c72b0")
        ax.set_xlabel("test NDCG@10 (mean ± std over seeds)")
        ax.invert_yaxis()
        fig.tight_layout()
        written.append(_save(fig, root, "retrieval"))
        plt.close(fig)
    ranking = _figure_data(results, "ranking")
    if ranking is not None:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        for variant, by_b in ranking["position_bias"].items():
            for b, table in by_b.items():
                rows = table["by_position"]
                ax.plot(
                    [r["position"] for r in rows],
                    [r["hr@1"] for r in rows],
                    marker="o",
                    label=f"{variant} {b}",
                )
        ax.set_xlabel("position of the true item in the prompt")
        ax.set_ylabel("HR@1")
        ax.legend()
        fig.tight_layout()
        written.append(_save(fig, root, "ranking"))
        plt.close(fig)
    return written


def _save(fig: Any, root: Path, name: str) -> Path:
    path = root / RESULTS_MD.parent / f"results_{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    return path


# ---------------------------------------------------------------------------- README
def readme_blocks(text: str) -> dict[str, str]:
    """{name: content} of the README's report blocks."""
    return {m.group(1): m.group(2) for m in BLOCK_RE.finditer(text)}


def fill_readme(text: str, report: Report) -> str:
    """``text`` with every report block replaced by its generated content."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        content = report.blocks.get(name, match.group(2))
        return f"<!-- report:{name} -->\n{content}<!-- /report:{name} -->"

    return BLOCK_RE.sub(replace, text)


def results_section(text: str) -> str:
    """The README's ``## Results`` section (up to the next ``## `` heading), blocks removed."""
    start = text.find("\n## Results")
    if start < 0:
        return ""
    end = text.find("\n## ", start + 1)
    section = text[start : end if end > 0 else len(text)]
    return BLOCK_RE.sub("", section)


def committed_numbers(results: Results) -> list[float]:
    """Every number in every committed results JSON (runs and history included)."""
    found: list[float] = []

    def walk(value: Any) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, int | float):
            if math.isfinite(value):
                found.append(abs(float(value)))
        elif isinstance(value, dict):
            for key, inner in value.items():
                if key in PER_EPOCH_LOGS:
                    continue  # thousands of per-epoch values would trace almost any number
                walk(inner)
                try:  # numeric keys, e.g. fusion weights of a grid
                    walk(float(key))
                except ValueError:
                    pass
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for _, data in results.all_json():
        walk(data)
    return sorted(found)


@dataclass(frozen=True)
class Number:
    """One number of the README prose: its text, value, decimals and unit."""

    text: str
    value: float
    decimals: int
    unit: str
    line: int


def measured_numbers(section: str) -> list[Number]:
    """The numbers that claim a measurement: any with a decimal point, or with a unit."""
    out = []
    for lineno, line in enumerate(section.splitlines(), start=1):
        if line.lstrip().startswith(("`python", "python", ".venv")):
            continue  # a command line: its numbers are settings
        for match in NUMBER_RE.finditer(line):
            whole, fraction = match.group(1), match.group(2) or ""
            unit_match = UNIT_RE.match(line, match.end())
            unit = unit_match.group(1) if unit_match else ""
            if not fraction and not unit:
                continue  # a count or a setting (3 seeds, 1,000 users, 20 candidates)
            value = float(whole.replace(",", "") + fraction)
            out.append(Number(match.group(0), value, max(len(fraction) - 1, 0), unit, lineno))
    return out


def _candidates(number: Number) -> list[float]:
    """The committed values that would be shown as ``number`` (scales: %, s <-> ms, min)."""
    x = number.value
    scales = {"%": [x / 100], "ms": [x, x / 1000], "s": [x, x * 1000, x / 60], "min": [x, x * 60]}
    return scales.get(number.unit, [x])


def _found(values: list[float], target: float, tolerance: float) -> bool:
    import bisect

    i = bisect.bisect_left(values, target - tolerance)
    return i < len(values) and values[i] <= target + tolerance


def untraced_numbers(
    readme: str, results: Results, allowed: dict[str, str] | None = None
) -> list[Number]:
    """README results-section numbers that no committed file gives (as rounded there).

    A number shown with d decimals is traced when a committed value v (or 100 v for a
    percentage, 1000 v for ms from s, v / 60 for min from s, ...) lies within half a unit of
    its last digit. Signs are ignored (intervals are written as ranges). ``allowed`` maps
    number texts to the reason they stand (``docs/report_allowlist.toml``).
    """
    allowed = allowed or {}
    values = committed_numbers(results)
    missing = []
    for number in measured_numbers(results_section(readme)):
        if number.text.lstrip("+-−") in allowed or number.text in allowed:
            continue
        half = 0.5 * 10 ** (-number.decimals) if number.decimals else 0.5
        ok = any(
            _found(values, target, half * (target / number.value if number.value else 1) + 1e-9)
            for target in _candidates(number)
        )
        if not ok:
            missing.append(number)
    return missing


def load_allowlist(root: Path = REPO_ROOT) -> dict[str, str]:
    """{number text: reason} from ``docs/report_allowlist.toml`` (``[[number]]`` tables)."""
    path = root / ALLOWLIST
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text()).get("number", [])
    return {str(e["text"]): str(e["reason"]) for e in entries if e.get("reason")}


def check(root: Path = REPO_ROOT) -> list[str]:
    """Every way the README or docs/results.md disagrees with the committed files."""
    report = generate(root)
    problems = []
    readme = (root / "README.md").read_text()
    for name, content in readme_blocks(readme).items():
        if name not in report.blocks:
            problems.append(f"README block {name!r} has no generator in recommender/report.py")
        elif content != report.blocks[name]:
            problems.append(
                f"README block {name!r} differs from the committed files "
                "(run: python -m recommender report --write-readme)"
            )
    results_md = root / RESULTS_MD
    if not results_md.exists() or results_md.read_text() != report.markdown():
        problems.append(f"{RESULTS_MD} is not up to date (run: python -m recommender report)")
    for number in untraced_numbers(readme, Results(root), load_allowlist(root)):
        problems.append(
            f"README results line {number.line}: {number.text}{number.unit and ' ' + number.unit}"
            f" is in no committed results file (commit its file, or allow-list it in"
            f" {ALLOWLIST} with a reason)"
        )
    return problems
