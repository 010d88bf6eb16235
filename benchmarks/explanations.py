"""Explanations on real ML-1M: faithfulness, hallucination, diversity, latency, LLM pass rate.

    python benchmarks/explanations.py --users 300 --llm-users 40 [--adapter DIR] [--threads 1]

Each case is a held-out ML-1M test user's last 10-20 items before the test item, pasted as a
history; the users come from the benchmark share only (``user_role``), whose evidence the
explainer's fine-tune never sees. The app checkpoint's LLM2SASRec recommends its top 5 unseen
items; each gets its evidence (``llm/evidence.py``) and is worded three ways where asked: the
deterministic realiser, the local LLM zero-shot from the same facts, and (``--adapter``) the
LLM with the LoRA adapter fine-tuned for the wording (``finetune-explainer``).

- faithfulness (deletion test): removing the history titles an explanation cites lowers the
  item's rank more than removing as many random history titles (mean rank over 20 random
  draws), share of explanations;
- hallucination: sentences with a title, year, number, genre or name outside the evidence
  (``llm/grounding.py``), for the shown text and, for the LLM, before the filter;
- diversity: distinct-2 over one session's five explanations, and the share of the most
  frequent phrasing once titles and numbers are replaced by placeholders;
- latency: evidence + deterministic wording per reply; LLM wording complete per reply.

Writes ``benchmarks/results/explanations_ml1m.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import shlex
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from recommender.config import PROJECT_ROOT, load_config
from recommender.data import load_dataset
from recommender.llm.evidence import EvidenceBuilder, EvidenceConfig, ExplainContext
from recommender.llm.explainer import Explainer, evidence_sentences
from recommender.llm.finetune_explainer import user_role
from recommender.machine import describe_machine
from recommender.models.attribution import ranks_without
from recommender.models.sasrec import score_histories
from recommender.provenance import collect_provenance, git_state
from recommender.retrieval.cooccurrence import CoOccurrence
from recommender.serving import load_sasrec

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
K = 5  # recommended items per reply
RANDOM_DRAWS = 20  # random removals per explanation in the deletion test
VARIANTS = ("zero_shot", "fine_tuned", "fine_tuned_free")  # LLM wordings compared
MAX_FAILURES = 60  # LLM answers not shown, kept with their reasons in the JSON


def cases(dataset, n: int, seed: int, min_history: int = 10) -> list[tuple[int, list[int]]]:
    """(user, pasted history of 10-20 items before the test item) for ``n`` test users of the
    benchmark share (``user_role``)."""
    rng = random.Random(seed)
    split = dataset.split
    users = [
        u
        for u in split.test_users
        if user_role(u) == "benchmark" and len(split.history(u, "test")) >= min_history
    ]
    chosen = rng.sample(users, n)
    return [
        (u, split.history(u, "test")[-rng.randint(min_history, 2 * min_history) :]) for u in chosen
    ]


def pattern(text: str, titles: list[str]) -> str:
    """The phrasing of an explanation: titles and numbers replaced by placeholders."""
    for title in sorted(titles, key=len, reverse=True):
        text = text.replace(title, "<T>")
    return _NUMBER.sub("<N>", text)


def distinct_2(texts: list[str]) -> float:
    bigrams = [
        tuple(words[i : i + 2])
        for text in texts
        for words in [text.lower().split()]
        for i in range(len(words) - 1)
    ]
    return len(set(bigrams)) / max(1, len(bigrams))


def faithfulness(model, history, evidences, rng: random.Random) -> list[dict]:
    """Deletion test of each explanation's cited titles against random titles."""
    out = []
    for e in evidences:
        cited = [h.item_id for h in e.similar]
        pool = list(dict.fromkeys(history))
        draws = [rng.sample(pool, len(cited)) for _ in range(RANDOM_DRAWS)]
        ranks = ranks_without(model, history, [e.item.item_id], [cited, *draws])[:, 0]  # (2+R,)
        base, without_cited, random_ranks = int(ranks[0]), int(ranks[1]), ranks[2:].float()
        out.append(
            {
                "base": base,
                "without_cited": without_cited,
                "without_random_mean": round(float(random_ranks.mean()), 1),
                "faithful": without_cited > float(random_ranks.mean()),
                "beats_random_draws": round(
                    float((without_cited > random_ranks).float().mean()), 3
                ),
            }
        )
    return out


def run_llm(explainer: Explainer, runs: list[dict], history_of: dict, label: str) -> dict:
    """Word every case's items with the LLM; pass rate, hallucinations, latency."""
    passed = total = raw_sentences = raw_bad = shown_bad = names_pasted = 0
    latencies, texts_by_user, patterns, examples, outcomes = [], [], Counter(), [], Counter()
    failures: list[dict] = []
    for run in tqdm(runs, desc=label):
        items, history = run["items"], history_of[run["user"]]
        context = ExplainContext(seed=run["user"])
        started = time.perf_counter()
        final = explainer.explain(items, history, context)
        latencies.append((time.perf_counter() - started) * 1000)
        raw_answers = getattr(explainer.backend, "last_answers", None)
        asked = [k for k, e in enumerate(final) if e.evidence.similar]
        raw = None if raw_answers is None else dict(zip(asked, raw_answers, strict=False))
        for k, exp in enumerate(final):
            total += 1
            passed += exp.source in ("llm", "llm_filtered")
            outcomes[exp.source if exp.reason is None else f"template:{exp.reason}"] += 1
            names_pasted += explainer.grounding.names_cited(exp.text, exp.evidence)
            shown_bad += any(
                explainer.grounding.violations(s, exp.evidence)
                for s in evidence_sentences(exp.text, exp.evidence)
            )
            if raw is not None and k in raw:
                for sentence in evidence_sentences(raw[k], exp.evidence):
                    raw_sentences += 1
                    raw_bad += bool(explainer.grounding.violations(sentence, exp.evidence))
        for k, exp in enumerate(final):
            if exp.source != "llm" and raw is not None and k in raw:
                failures.append(failure_case(explainer, exp, raw[k]))
        shown = [e.text for e in final if e.source != "template"]
        texts_by_user.append(shown)
        for e in final:
            if e.source != "template":
                titles = [e.evidence.item.display_title] + [
                    h.display_title for h in e.evidence.similar
                ]
                patterns[pattern(e.text, titles)] += 1
        if len(examples) < 12:
            examples += [
                {
                    "item": e.evidence.item.display_title,
                    "source": e.source,
                    "reason": e.reason,
                    "text": e.text,
                    "raw": raw.get(k) if raw is not None else None,
                }
                for k, e in enumerate(final[:3])
            ]
    worded = sum(patterns.values())
    return {
        "users": len(runs),
        "explanations": total,
        "llm_worded_pass_share": round(passed / max(1, total), 3),
        "outcomes": dict(outcomes.most_common()),  # llm | llm_filtered | template reasons
        "names_a_pasted_title_share": round(names_pasted / max(1, total), 3),
        "explanations_with_unsupported_facts": shown_bad,
        "raw_sentences": raw_sentences,
        "raw_sentences_with_unsupported_facts": raw_bad,
        "distinct_2_per_session": round(
            float(np.mean([distinct_2(t) for t in texts_by_user if t] or [0.0])), 3
        ),
        "top_phrasing_share": round(patterns.most_common(1)[0][1] / worded, 3) if worded else None,
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 1),
            "p95": round(float(np.percentile(latencies, 95)), 1),
        },
        "examples": examples,
        "failure_reasons": dict(Counter(r for f in failures for r in f["reasons"]).most_common()),
        "failures": failures[:MAX_FAILURES],
    }


def failure_case(explainer: Explainer, exp, raw: str) -> dict:
    """Why one LLM answer was not shown (or lost a sentence): the prompt, the raw answer and
    each raw sentence's violations. ``reasons`` sums them up (the kind of each violation,
    "ungrounded" for a clean answer naming no cited title, "unfinished" for a cut-off last
    sentence, "empty" for no answer)."""
    sentences = evidence_sentences(raw, exp.evidence)
    checked = [
        {"sentence": s, "violations": explainer.grounding.violations(s, exp.evidence)}
        for s in sentences
    ]
    reasons = sorted({v.split(":")[0] for c in checked for v in c["violations"]})
    if not raw.strip():
        reasons.append("empty")
    elif sentences and not re.search(r"[.!?][\"')\]]*\s*$", sentences[-1]):
        reasons.append("unfinished")
    if not reasons and not explainer.grounding.names_cited(raw, exp.evidence):
        reasons.append("ungrounded")
    return {
        "item": exp.evidence.item.display_title,
        "outcome": exp.source if exp.reason is None else f"template:{exp.reason}",
        "reasons": reasons or ["other"],
        "prompt": explainer.build_prompt(exp.evidence),
        "raw": raw,
        "sentences": checked,
    }


class RecordingBackend:
    """Wraps a backend and keeps each prompt's raw answer (to count pre-filter faults)."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.name = backend.name
        self.last_answers: list[str] = []

    def stream(self, prompts, max_new_tokens, timeout_s, constraints=None):
        self.last_answers = ["" for _ in prompts]
        for k, delta in self.backend.stream(prompts, max_new_tokens, timeout_s, constraints):
            self.last_answers[k] += delta
            yield k, delta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--llm-users", type=int, default=40, help="0 = deterministic only")
    parser.add_argument("--adapter", type=Path, default=None, help="LoRA adapter for wording")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (LLM too)")
    parser.add_argument(
        "--explain-facts", type=int, default=None, help="phrase kinds the LLM words per item"
    )
    parser.add_argument("--max-new-tokens", type=int, default=None, help="LLM tokens per item")
    parser.add_argument(
        "--explain-timeout-s",
        type=float,
        default=None,
        help="LLM time limit per reply (default llm.explain_timeout_s; raise it for an "
        "accuracy-only run on a busy machine, where timeouts would measure the load)",
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=VARIANTS,
        default=VARIANTS,
        help="LLM wordings to compare (fine_tuned* need --adapter; fine_tuned_free decodes "
        "without the number constraint of llm/constrained.py)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS / "explanations_ml1m",
        help="results path without suffix (.json and .md are written)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    git = git_state()  # at the start: the run may outlast a commit
    torch.manual_seed(args.seed)
    config = load_config()
    if args.threads:
        torch.set_num_threads(args.threads)
        config.llm.num_threads = args.threads
    if args.explain_facts:
        config.llm.explain_facts = args.explain_facts
    if args.max_new_tokens:
        config.llm.max_new_tokens = args.max_new_tokens
    if args.explain_timeout_s:
        config.llm.explain_timeout_s = args.explain_timeout_s
    dataset = load_dataset("ml-1m")
    model, info = load_sasrec(config.app.sasrec_checkpoint, dataset.num_items)
    if model is None:
        raise SystemExit(info)
    catalogue = dataset.catalogue
    co = CoOccurrence.from_sequences(dataset.split.train, dataset.num_items)
    builder = EvidenceBuilder(model, co, None, EvidenceConfig(max_cited=config.llm.evidence_items))
    explainer = Explainer(None, catalogue, config.llm, evidence_builder=builder)
    rng = random.Random(args.seed)
    runs, history_of, faith, texts_by_user, patterns, bad, latencies = (
        [],
        {},
        [],
        [],
        Counter(),
        0,
        [],
    )
    names_pasted = pivotal = 0
    examples = []
    for user, history in tqdm(cases(dataset, args.users, args.seed), desc="deterministic"):
        started = time.perf_counter()
        scores = score_histories(model, [history])[0]
        top = torch.topk(scores, K).indices.tolist()
        items, pasted = catalogue.many(top), catalogue.many(history)
        final = explainer.explain(items, pasted, ExplainContext(seed=user))
        latencies.append((time.perf_counter() - started) * 1000)
        evidences = [e.evidence for e in final]
        history_of[user] = pasted
        runs.append({"user": user, "items": items})
        faith += faithfulness(model, history, evidences, rng)
        texts = [e.text for e in final]
        texts_by_user.append(texts)
        for e in final:
            titles = [e.evidence.item.display_title] + [h.display_title for h in e.evidence.similar]
            patterns[pattern(e.text, titles)] += 1
            names_pasted += explainer.grounding.names_cited(e.text, e.evidence)
            pivotal += e.evidence.pivotal
            bad += any(
                explainer.grounding.violations(s, e.evidence)
                for s in evidence_sentences(e.text, e.evidence)
            )
        if len(examples) < 10:
            examples += [
                {
                    "item": e.evidence.item.display_title,
                    "text": e.text,
                    "evidence": e.evidence.to_json(),
                }
                for e in final[:2]
            ]
    total = len(faith)
    deterministic = {
        "users": len(runs),
        "explanations": total,
        "faithful_share": round(sum(f["faithful"] for f in faith) / total, 3),
        "beats_random_draws_mean": round(
            float(np.mean([f["beats_random_draws"] for f in faith])), 3
        ),
        "pivotal_share": round(pivotal / total, 3),
        "names_a_pasted_title_share": round(names_pasted / total, 3),
        "explanations_with_unsupported_facts": bad,
        "distinct_2_per_session": round(float(np.mean([distinct_2(t) for t in texts_by_user])), 3),
        "top_phrasing_share": round(patterns.most_common(1)[0][1] / total, 3),
        "distinct_phrasings": len(patterns),
        "evidence_and_wording_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 1),
            "p95": round(float(np.percentile(latencies, 95)), 1),
        },
        "median_rank_without_cited": float(np.median([f["without_cited"] for f in faith])),
        "median_rank_without_random": float(np.median([f["without_random_mean"] for f in faith])),
        "examples": examples,
    }
    result = {
        "command": "python benchmarks/explanations.py " + shlex.join(argv or sys.argv[1:]),
        "machine": describe_machine() + " (at the start)",
        "checkpoint": info,
        "protocol": (
            f"{len(runs)} held-out ML-1M test users, last 10-20 items before the test item "
            f"pasted; top {K} LLM2SASRec items explained; deletion test vs the mean of "
            f"{RANDOM_DRAWS} random removals of as many titles"
        ),
        "deterministic": deterministic,
    }
    if args.llm_users:
        from recommender.llm.backends import make_backend

        llm_runs = runs[: args.llm_users]
        base = replace(config.llm, adapter_path=None, explain_adapter_path=None)
        variants = [("zero_shot", base)] if "zero_shot" in args.variants else []
        tuned = replace(
            base, adapter_path=args.adapter, repetition_penalty=base.realiser_repetition_penalty
        )
        if args.adapter is not None and "fine_tuned" in args.variants:
            variants.append(("fine_tuned", tuned))
        if args.adapter is not None and "fine_tuned_free" in args.variants:
            variants.append(("fine_tuned_free", replace(tuned, explain_constrained=False)))
        result["llm_settings"] = {
            "explain_facts": base.explain_facts,
            "max_new_tokens": base.max_new_tokens,
            "explain_timeout_s": base.explain_timeout_s,
            "threads": torch.get_num_threads(),
            "adapter": str(args.adapter) if args.adapter else None,
            "repetition_penalty": {
                "zero_shot": base.repetition_penalty,
                "fine_tuned": base.realiser_repetition_penalty,
            },
            "number_constraint": {
                name: llm_config.explain_constrained for name, llm_config in variants
            },
        }
        for name, llm_config in variants:
            backend = RecordingBackend(make_backend(llm_config, progress=False))
            llm_explainer = Explainer(backend, catalogue, llm_config, evidence_builder=builder)
            result[name] = run_llm(llm_explainer, llm_runs, history_of, name)
            result[name]["machine_after"] = describe_machine()
    result["app_llm_explanations_default"] = config.app.llm_explanations
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result["provenance"] = collect_provenance(
        result["command"],
        artifacts={"checkpoint": config.app.sasrec_checkpoint, "adapter": args.adapter},
        dataset=dataset,
        config=config.to_dict(),
        git=git,
    )
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    lines = report(result)
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


def report(result: dict) -> list[str]:
    d = result["deterministic"]
    cols = [("deterministic", d)] + [(k, result[k]) for k in VARIANTS if k in result]
    header = "| measure | " + " | ".join(c for c, _ in cols) + " | target |"
    lines = [header, "|---" * (len(cols) + 2) + "|"]

    def row(name, key, target, fmt=lambda v: v):
        values = [fmt(v.get(key)) if v.get(key) is not None else "–" for _, v in cols]
        lines.append(f"| {name} | " + " | ".join(str(x) for x in values) + f" | {target} |")

    row("explanations (users)", "explanations", "")
    row("faithful (deletion test), share", "faithful_share", ">= 0.90")
    row("names a pasted title, share", "names_a_pasted_title_share", "1.0")
    row("shown explanations with unsupported facts", "explanations_with_unsupported_facts", "0")
    row("LLM raw sentences with unsupported facts", "raw_sentences_with_unsupported_facts", "")
    row("LLM-worded explanations passing the filter", "llm_worded_pass_share", ">= 0.80")
    row("distinct-2 per session", "distinct_2_per_session", "")
    row("most frequent phrasing, share", "top_phrasing_share", "<= 0.20")
    row("evidence + wording per reply, p50 ms", "evidence_and_wording_ms", "", lambda v: v["p50"])
    row("LLM wording complete per reply, p50 ms", "latency_ms", "<= 4000", lambda v: v["p50"])
    lines.append(
        f"\nMedian rank without the cited titles: {d['median_rank_without_cited']}; "
        f"without as many random titles: {d['median_rank_without_random']}."
    )
    for name, _ in cols[1:]:
        v = result[name]
        meets = (
            v["llm_worded_pass_share"] >= 0.80
            and v["explanations_with_unsupported_facts"] == 0
            and v["latency_ms"]["p50"] <= 4000
        )
        lines.append(
            f"{name}: outcomes {v['outcomes']}; meets the LLM targets: {'yes' if meets else 'no'}."
        )
    if "llm_settings" in result:
        lines.append(f"LLM settings: {result['llm_settings']}.")
        on = result.get("app_llm_explanations_default")
        lines.append(
            f"App default `app.llm_explanations` when this ran: {on}"
            + (
                " (cards keep the deterministic wording; `app.llm_explanations = true` streams "
                "the LLM wording of `llm.explain_adapter_path` over it)."
                if not on
                else "."
            )
        )
    lines.append(f"Protocol: {result['protocol']}. Checkpoint: {result['checkpoint']}.")
    lines.append(f"Machine: {result['machine']}.")
    lines.append(f"Command: `{result['command']}`")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
