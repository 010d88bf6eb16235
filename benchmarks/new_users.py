"""The new-user protocol of the retrieval benchmark: cases, evaluation and the report.

    python benchmarks/retrieval.py --protocol new-users --dataset ml-1m --seeds 3

The app's users are people the models never saw, pasting 5-20 titles. Here 10% of the users
are held out entirely (``UserSplit``, fixed seed) and 5% more are a disjoint validation set;
the models train on the other users' full sequences (no interaction of a held-out user is
trained, tuned or early-stopped on). Each held-out test user is evaluated on their last item
with exactly the ``L`` items before it as the history, ``L`` in 5, 10, 20 and 50 (users with
fewer items are left out of that ``L``; the counts are reported), full-catalogue ranking with
the ``L`` history items masked. Every case is scored twice: in the true order, and with the
history shuffled (a pasted list has no order; one seeded permutation per case, the same for
every model). Early stopping and every tuned weight use the validation users' cases of all
lengths, true order, pooled.

This module holds the protocol (:class:`NewUsers`) and the report (:func:`assemble`,
:func:`markdown`, :func:`plot`); ``benchmarks/retrieval.py`` trains, resumes and stores runs
(``runs/<dataset>/new_users/<model>_seed<k>.json``) the same way for both protocols.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from recommender.data import Dataset
from recommender.data.user_split import UserSplit, restrict, truncated_cases
from recommender.evaluation import Recommender, case_ndcg, case_ranks, ranking_metrics
from recommender.stats import paired_bootstrap

log = logging.getLogger("benchmarks.new_users")

HISTORY_LENGTHS = (5, 10, 20, 50)
ORDERS = ("true", "shuffled")
K = 10
REPORTED = ("ndcg@10", "hr@10", "mrr@10")
PAIRS = (  # (b, a): b - a, paired over the same test cases
    ("llm2sasrec", "sasrec_random"),
    ("llm2sasrec", "llm2sasrec_shuffled"),
    ("llm2sasrec_shuffled", "sasrec_random"),
    ("hybrid", "llm2sasrec"),
    ("llm2sasrec_permavg", "llm2sasrec"),
    ("llm2sasrec_orderfree", "llm2sasrec"),
    ("llm2bert4rec", "bert4rec_random"),
    ("llm_srec_fused", "llm2sasrec"),
    ("label_ranker_fused", "llm2sasrec"),
)
# the llm2sasrec checkpoint's top-20 re-ranked by an LLM (benchmarks/new_users_llm.py)
LLM_RERANKERS = ("llm_srec_fused", "label_ranker_fused")

MODEL_NOTES = {  # one line per model for the report
    "mostpop": "most interactions among the training users",
    "llmseqsim": "cosine to the mean text embedding of the history",
    "llmseqsim_recency": "the same, recency-weighted (decay tuned on validation users)",
    "llm2sasrec": "SASRec, item table initialised from the text embeddings",
    "hybrid": "llm2sasrec + llmseqsim_recency, z-scored, weight tuned on validation users",
    "sasrec_random": "SASRec, random init (the control)",
    "llm2sasrec_shuffled": "text vectors permuted across items (same geometry, wrong items)",
    "llm2sasrec_permavg": "the llm2sasrec checkpoint, log-softmax averaged over 8 history orders",
    "llm2sasrec_orderfree": "llm2sasrec trained with half of its windows shuffled",
    "llm2bert4rec": "BERT4Rec (cloze), item table initialised from the text embeddings",
    "bert4rec_random": "BERT4Rec, random init",
    "llm_srec_fused": "the llm2sasrec checkpoint's top-20 re-ranked by LLM-SRec heads (frozen "
    "SmolLM2 states, MLPs distilled from that checkpoint on training users only), fused with "
    "its logits by a weight tuned on validation users; the rest keeps the SASRec order",
    "label_ranker_fused": "the same top-20 re-ranked by the LoRA label ranker "
    "(checkpoints/ml-1m-smollm2-lora, index-letter logits, B=1), fused the same way. Caveat: "
    "that adapter was fine-tuned before this split, on 4,000 prompts drawn from all users' "
    "leave-one-out training parts (about 1 - e^(-4000/6040) = 48% of users drawn, held-out "
    "ones included, with items before their last two; never a test target), its negatives "
    "from a checkpoint that saw every user: an upper bound for truly new users",
}


@dataclass(frozen=True)
class NewUserSpec:
    """What defines the protocol; a stored run made under another spec is never reused."""

    split_seed: int = 0  # seed of the user permutation (UserSplit.draw)
    test_fraction: float = 0.1  # held-out test users
    valid_fraction: float = 0.05  # held-out validation users (disjoint from test)
    lengths: tuple[int, ...] = HISTORY_LENGTHS  # history lengths L evaluated
    shuffle_seed: int = 0  # seed of the history permutations of the shuffled order
    valid_users: int | None = None  # early-stop/tune on this many validation users; None = all


def case_values(ranks: np.ndarray | torch.Tensor, metric: str) -> np.ndarray:
    """Per-case NDCG@10 / HR@10 / MRR@10 from 0-based target ranks: (cases,) float64."""
    ranks = torch.as_tensor(np.asarray(ranks), dtype=torch.long)  # (cases,)
    if metric == "ndcg@10":
        return case_ndcg(ranks, K).numpy()
    hit = (ranks < K).double()  # (cases,)
    if metric == "hr@10":
        return hit.numpy()
    if metric == "mrr@10":
        return (hit / (ranks.double() + 1.0)).numpy()
    raise ValueError(f"unknown metric {metric!r}")


def bootstrap_interval(values: np.ndarray, samples: int = 1000, seed: int = 0) -> list[float]:
    """95% percentile interval of the mean of ``values`` from resampling cases: [low, high]."""
    values = np.asarray(values, dtype=np.float64)  # (n,)
    rng = np.random.default_rng(seed)
    draws = [values[rng.integers(0, len(values), len(values))].mean() for _ in range(samples)]
    low, high = np.percentile(draws, [2.5, 97.5])
    return [float(low), float(high)]


class NewUsers:
    """The new-user protocol bound to one dataset: the split, the training data and the cases."""

    def __init__(self, dataset: Dataset, spec: NewUserSpec | None = None) -> None:
        self.spec = spec or NewUserSpec()
        self.split = UserSplit.draw(
            dataset.num_users,
            test_fraction=self.spec.test_fraction,
            valid_fraction=self.spec.valid_fraction,
            seed=self.spec.split_seed,
        )
        # Only the training users exist for training: a held-out user cannot leak into it.
        self.train_dataset = restrict(dataset, self.split.train)
        valid_users = list(self.split.valid)
        if self.spec.valid_users is not None and self.spec.valid_users < len(valid_users):
            rng = np.random.default_rng(self.spec.split_seed)
            valid_users = sorted(rng.choice(valid_users, self.spec.valid_users, replace=False))
        # a fixed half of the validation users: measures whether validating on a subset would
        # pick the same epoch (recorded every epoch next to the full validation)
        rng = np.random.default_rng(self.spec.split_seed + 1)
        half = sorted(rng.choice(valid_users, max(1, len(valid_users) // 2), replace=False))
        self.valid = self._pooled(dataset, valid_users)
        self.valid_half = self._pooled(dataset, half)
        self.test = {n: truncated_cases(dataset, self.split.test, n) for n in self.spec.lengths}
        empty = [n for n, cases in self.test.items() if not cases.targets]
        if empty or not self.valid[1]:
            raise ValueError(
                f"no held-out user has {max(empty or self.spec.lengths)} items before their "
                "last one: choose shorter history lengths for this dataset"
            )
        self.test_shuffled = {
            n: cases.shuffled(self.spec.shuffle_seed + n) for n, cases in self.test.items()
        }

    def _pooled(self, dataset: Dataset, users: list[int]) -> tuple[list[list[int]], list[int]]:
        """Validation cases of every length, true order, in one list: (histories, targets)."""
        histories: list[list[int]] = []
        targets: list[int] = []
        for length in self.spec.lengths:
            cases = truncated_cases(dataset, users, length)
            histories += cases.histories
            targets += cases.targets
        return histories, targets

    @property
    def train_sequences(self) -> list[list[int]]:
        """The training users' full sequences (what every model is fitted on)."""
        return self.train_dataset.sequences

    def key(self) -> dict[str, Any]:
        """The spec and the split's digest, as JSON reads it back (stored with every run and
        checkpoint, and compared with what is stored)."""
        return json.loads(
            json.dumps({**dataclasses.asdict(self.spec), "split_digest": self.split.digest()})
        )

    def describe(self) -> dict[str, Any]:
        """Sizes of the split and of each case set (for the report)."""
        return {
            "users": {
                "train": len(self.split.train),
                "valid": len(self.split.valid),
                "test": len(self.split.test),
            },
            "valid_cases": len(self.valid[1]),
            "test_cases": {str(n): len(c.targets) for n, c in self.test.items()},
        }

    def validate(self, recommender: Recommender) -> dict[str, float]:
        """Pooled validation metrics (``ndcg@10`` drives early stopping and tuning).

        Also ``half_ndcg@10`` on a fixed half of those users and the seconds of each pass, so
        every run measures whether the cheaper validation would have picked the same epoch.
        """
        started = time.perf_counter()
        ranks = case_ranks(recommender, *self.valid, progress=False)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        half = case_ranks(recommender, *self.valid_half, progress=False)
        half_seconds = time.perf_counter() - started
        metrics = ranking_metrics(ranks)
        metrics["cases"] = float(len(ranks))  # one per validation user and length it reaches
        metrics["half_ndcg@10"] = ranking_metrics(half, (K,))["ndcg@10"]
        metrics["seconds"] = seconds
        metrics["half_seconds"] = half_seconds
        return metrics

    def evaluate(self, recommender: Recommender) -> dict[str, Any]:
        """Test metrics and per-case ranks for every length and order (cases in user order)."""
        metrics: dict[str, Any] = {}
        ranks: dict[str, Any] = {}
        for length, cases in self.test.items():
            by_order = {"true": cases.histories, "shuffled": self.test_shuffled[length]}
            metrics[str(length)], ranks[str(length)] = {}, {}
            for order, histories in by_order.items():
                case = case_ranks(recommender, histories, cases.targets, progress=False)
                metrics[str(length)][order] = {
                    **ranking_metrics(case),
                    "users": float(len(case)),
                }
                ranks[str(length)][order] = case.tolist()
        return {"test": metrics, "ranks": ranks}


class PermutationAveraged:
    """Order-free scoring of a sequence model: log-softmax scores averaged over random orders
    of each history (a pasted list has no order; issue: "averaging scores over a few
    permutations"). The permutations restart from ``seed`` at every call, so a batch always
    scores the same."""

    def __init__(
        self, base: Recommender, permutations: int = 8, seed: int = 0, name: str | None = None
    ) -> None:
        if permutations < 1:
            raise ValueError("permutations must be at least 1")
        self.base, self.permutations, self.seed = base, permutations, seed
        self.name = name or f"{base.name}_permavg"

    def score_batch(self, histories: Sequence[Sequence[int]]) -> torch.Tensor:
        rng = np.random.default_rng(self.seed)
        total: torch.Tensor | None = None
        for _ in range(self.permutations):
            permuted = [[h[i] for i in rng.permutation(len(h))] for h in histories]
            scores = torch.log_softmax(self.base.score_batch(permuted).float(), dim=1)  # (B, N+1)
            total = scores if total is None else total + scores
        return total / self.permutations  # (B, N+1)


# ------------------------------------------------------------------------------ report
def _model_summary(records: list[dict[str, Any]], samples: int) -> dict[str, Any]:
    """Per length and order: mean ± seed std of each metric and a 95% interval over users of
    the seed-averaged per-user value."""
    out: dict[str, Any] = {"seeds": sorted(r["seed"] for r in records)}
    lengths = records[0]["test"].keys()
    for length in lengths:
        out[length] = {}
        for order in ORDERS:
            entry: dict[str, Any] = {"users": int(records[0]["test"][length][order]["users"])}
            for metric in REPORTED:
                per_seed = np.array([r["test"][length][order][metric] for r in records])
                per_case = np.mean(
                    [case_values(r["ranks"][length][order], metric) for r in records], axis=0
                )  # (cases,)
                entry[metric] = float(per_seed.mean())
                entry[f"{metric}_std"] = float(per_seed.std(ddof=1)) if len(records) > 1 else 0.0
                entry[f"{metric}_ci95"] = bootstrap_interval(per_case, samples)
            out[length][order] = entry
    return out


def _per_case_ndcg(records: list[dict[str, Any]], length: str, order: str) -> np.ndarray:
    """Each case's NDCG@10 averaged over the seeds of one model: (cases,)."""
    return np.mean([case_values(r["ranks"][length][order], "ndcg@10") for r in records], axis=0)


def time_to_accuracy(history: list[dict[str, Any]], share: float = 0.95) -> float | None:
    """Training seconds until validation NDCG@10 first reached ``share`` of its best."""
    if not history:
        return None
    best = max(h["valid_ndcg@10"] for h in history)
    return next(h["seconds"] for h in history if h["valid_ndcg@10"] >= share * best)


def _validation_subset(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Across the trained runs: would a fixed half of the validation users pick the same epoch,
    and what does each validation pass cost (median seconds)?"""
    rows = []
    for record in records:
        history = record.get("history") or []
        if not history or "valid_half_ndcg@10" not in history[0]:
            continue
        full = int(np.argmax([h["valid_ndcg@10"] for h in history]))
        half = int(np.argmax([h["valid_half_ndcg@10"] for h in history]))
        rows.append(
            {
                "model": record["model"],
                "seed": record["seed"],
                "best_epoch_full": history[full]["epoch"],
                "best_epoch_half": history[half]["epoch"],
                "valid_ndcg@10_at_half_pick": history[half]["valid_ndcg@10"],
                "valid_ndcg@10_at_full_pick": history[full]["valid_ndcg@10"],
                "seconds_full": float(np.median([h["valid_seconds"] for h in history])),
                "seconds_half": float(np.median([h["valid_half_seconds"] for h in history])),
            }
        )
    if not rows:
        return None
    return {
        "runs": rows,
        "same_pick": sum(r["best_epoch_full"] == r["best_epoch_half"] for r in rows),
        "seconds_full": float(np.median([r["seconds_full"] for r in rows])),
        "seconds_half": float(np.median([r["seconds_half"] for r in rows])),
    }


def assemble(
    dataset: str,
    runs: Path,
    current: Callable[[dict[str, Any]], bool],
    order: list[str],
    command: str | None = None,
    samples: int = 1000,
) -> dict[str, Any]:
    """The new-user result from every current per-run JSON under ``runs`` (nothing trained)."""
    by_model: dict[str, list[dict[str, Any]]] = {}
    for file in sorted(runs.glob("*_seed*.json")):
        record = json.loads(file.read_text())
        if not current(record):
            log.warning("left out %s: made with another configuration or split", file)
            continue
        by_model.setdefault(record["model"], []).append(record)
    names = [m for m in order if m in by_model] + sorted(set(by_model) - set(order))
    first = next(iter(by_model.values()))[0] if by_model else {}
    result: dict[str, Any] = {
        "dataset": dataset,
        "protocol": "new-users",
        "description": (
            "held-out users (never trained, tuned or early-stopped on); each test user's last "
            "item ranked against the whole catalogue after exactly L history items (the L "
            "before it; the L items masked), in true order and shuffled"
        ),
        "spec": first.get("protocol"),
        "sizes": first.get("protocol_sizes"),
        "samples": samples,
        "models": {},
        "pairs": {},
        "order_effect": {},
        "machine": first.get("machine"),
        "command": command or first.get("provenance", {}).get("command"),
    }
    for name in names:
        records = sorted(by_model[name], key=lambda r: r["seed"])
        summary = _model_summary(records, samples)
        summary["train_seconds"] = float(np.mean([r.get("train_seconds", 0.0) for r in records]))
        epochs = [r["epochs"] for r in records if r.get("epochs") is not None]
        summary["epochs"] = float(np.mean(epochs)) if epochs else None
        summary["valid_ndcg@10"] = float(np.mean([r["valid"]["ndcg@10"] for r in records]))
        trained = [r for r in records if r.get("history")]
        if trained:  # the cost of each training run (time-to-accuracy, on validation)
            summary["training"] = {
                "seconds_to_best": float(np.mean([r["seconds_to_best"] for r in trained])),
                "seconds_to_95pct_of_best": float(
                    np.mean([time_to_accuracy(r["history"]) for r in trained])
                ),
                "epochs_run": float(np.mean([len(r["history"]) for r in trained])),
                "seconds_per_epoch": float(
                    np.mean([r["history"][-1]["seconds"] / len(r["history"]) for r in trained])
                ),
            }
        result["models"][name] = summary
    lengths = list(first.get("test", {}))  # as stored: "5", "10", ...
    result["pair_seeds"] = {}
    for b, a in PAIRS:
        if a not in by_model or b not in by_model:
            continue
        # only the seeds both have: an LLM row of seed 0 against an average of seeds 0 and 1
        # would measure the seeds, not the LLM
        common = sorted({r["seed"] for r in by_model[a]} & {r["seed"] for r in by_model[b]})
        if not common:
            continue
        runs_a = [r for r in by_model[a] if r["seed"] in common]
        runs_b = [r for r in by_model[b] if r["seed"] in common]
        result["pair_seeds"][f"{b} - {a}"] = common
        result["pairs"][f"{b} - {a}"] = {
            length: {
                order: paired_bootstrap(
                    _per_case_ndcg(runs_a, length, order),
                    _per_case_ndcg(runs_b, length, order),
                    samples=samples,
                )
                for order in ORDERS
            }
            for length in lengths
        }
    for name in names:
        result["order_effect"][name] = {
            length: paired_bootstrap(
                _per_case_ndcg(by_model[name], length, "true"),
                _per_case_ndcg(by_model[name], length, "shuffled"),
                samples=samples,
            )
            for length in lengths
        }
    trained = [r for records in by_model.values() for r in records if r.get("history")]
    result["validation_subset"] = _validation_subset(trained)
    return result


def _interval(entry: dict[str, Any], metric: str) -> str:
    low, high = entry[f"{metric}_ci95"]
    return f"{entry[metric]:.4f} ± {entry[f'{metric}_std']:.4f} [{low:.4f}, {high:.4f}]"


def _diff(d: dict[str, Any]) -> str:
    return f"{d['diff']:+.4f} [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}]"


def markdown(result: dict[str, Any]) -> str:
    """The new-user tables: metrics per model, length and order; paired differences."""
    sizes = result.get("sizes") or {}
    users = sizes.get("users", {})
    lines = [
        f"# Retrieval for new users on {result['dataset']}: held-out users, short histories",
        "",
        f"Users split with a fixed seed: {users.get('train', '?')} train, "
        f"{users.get('valid', '?')} validation, {users.get('test', '?')} test (held out "
        "entirely: no interaction of theirs is trained, tuned or early-stopped on). Each test "
        "user's last item is ranked against the whole catalogue after exactly the L items "
        "before it (those L masked); users with fewer items are left out of that L. "
        "*shuffled*: the same L items in a random order (a pasted list has no order). "
        "Cells: mean ± std over seeds [95% interval over users of the seed-averaged value, "
        f"{result['samples']} bootstrap resamples].",
        "",
    ]
    notes = [f"`{n}`: {MODEL_NOTES[n]}" for n in result["models"] if n in MODEL_NOTES]
    if notes:
        lines += ["Models: " + "; ".join(notes) + ".", ""]
    for metric in REPORTED:
        lines += [f"## {metric.upper()}", ""]
        lengths = list(next(iter(result["models"].values()), {}).keys())
        lengths = [n for n in lengths if n.isdigit()]
        head = ["model", "seeds"] + [f"L={n} {o}" for n in lengths for o in ORDERS]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for name, m in result["models"].items():
            cells = [_interval(m[n][o], metric) for n in lengths for o in ORDERS]
            lines.append("| " + " | ".join([name, str(len(m["seeds"])), *cells]) + " |")
        lines.append("")
    if result["models"]:
        first = next(iter(result["models"].values()))
        counts = ", ".join(f"L={n}: {first[n]['true']['users']}" for n in first if n.isdigit())
        lines += [f"Test users per length: {counts}.", ""]
    if result["pairs"]:
        lines += [
            "## Paired differences in NDCG@10 (b - a, per user, averaged over the seeds both "
            "have; 95% interval)",
            "",
        ]
        lengths = list(next(iter(result["pairs"].values())))
        head = ["b - a", "seeds"] + [f"L={n} {o}" for n in lengths for o in ORDERS]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for pair, per_length in result["pairs"].items():
            seeds = ", ".join(str(s) for s in result.get("pair_seeds", {}).get(pair, []))
            cells = [_diff(per_length[n][o]) for n in lengths for o in ORDERS]
            lines.append("| " + " | ".join([pair, seeds, *cells]) + " |")
        lines.append("")
    if result["order_effect"]:
        lines += ["## Shuffled minus true order, NDCG@10 (paired per user; 95% interval)", ""]
        lengths = list(next(iter(result["order_effect"].values())))
        head = ["model"] + [f"L={n}" for n in lengths]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for name, per_length in result["order_effect"].items():
            lines.append("| " + " | ".join([name, *(_diff(per_length[n]) for n in lengths)]) + " |")
        lines.append("")
    costs = {n: m["training"] for n, m in result["models"].items() if m.get("training")}
    if costs:
        lines += [
            "## Training cost (mean over seeds; validation NDCG@10 on the held-out validation "
            "users)",
            "",
            "| model | best epoch | min to best | min to 95% of best | epochs run | s / epoch |",
            "|---|---|---|---|---|---|",
        ]
        for name, c in costs.items():
            epochs = result["models"][name].get("epochs")
            lines.append(
                f"| {name} | {epochs:.1f} | {c['seconds_to_best'] / 60:.1f} "
                f"| {c['seconds_to_95pct_of_best'] / 60:.1f} | {c['epochs_run']:.1f} "
                f"| {c['seconds_per_epoch']:.0f} |"
            )
        lines.append("")
    subset = result.get("validation_subset")
    if subset:
        lines += [
            "## Validating on a fixed half of the validation users",
            "",
            f"Best epoch picked by half the validation users = by all of them in "
            f"{subset['same_pick']} of {len(subset['runs'])} trained runs; median seconds per "
            f"validation pass: all {subset['seconds_full']:.2f}, half "
            f"{subset['seconds_half']:.2f} (the half's pick is read from the same runs, which "
            "stopped by the full validation).",
            "",
        ]
    lines += [
        f"Machine: {result.get('machine')}",
        "",
        f"Command: `{result.get('command')}` (re-running it trains only what is missing, then "
        "rebuilds these tables; each run's own command, commit and digests are in its JSON "
        "under `runs/`)",
        "",
    ]
    return "\n".join(lines)


def plot(result: dict[str, Any], path: Path) -> None:
    """NDCG@10 against history length per model: true order solid, shuffled dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not result["models"]:
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for index, (name, m) in enumerate(result["models"].items()):
        lengths = [n for n in m if n.isdigit()]
        x = [int(n) for n in lengths]
        colour = f"C{index % 10}"
        for order, style in (("true", "-"), ("shuffled", "--")):
            y = [m[n][order]["ndcg@10"] for n in lengths]
            low = [m[n][order]["ndcg@10_ci95"][0] for n in lengths]
            high = [m[n][order]["ndcg@10_ci95"][1] for n in lengths]
            ax.plot(x, y, style, color=colour, marker="o", label=f"{name} ({order})")
            ax.fill_between(x, low, high, color=colour, alpha=0.08)
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks([int(n) for n in lengths], lengths)
    ax.set_xlabel("history length L (items pasted)")
    ax.set_ylabel("test NDCG@10, full ranking")
    ax.set_title(f"{result['dataset']}: held-out users (solid: true order, dashed: shuffled)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
