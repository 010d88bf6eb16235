"""Conversation benchmark: scenarios replayed through ``step`` (the UI's path), every turn judged.

    python benchmarks/conversation.py                      # the development set (ML-1M)
    python benchmarks/conversation.py --scenarios my.jsonl --json out.json

Scenario format (JSON lines; other tools read it, keep it)::

    {"id": str, "history": "pasted text (titles or a CSV export)",
     "turns": [{"say": str, "expect": {...}}]}

``expect`` keys: ``genres_any``, ``genres_all``, ``genres_none`` (catalogue genre names),
``max_genres`` (each pick has at most this many: "a romance" is not Return of the Jedi's five),
``years`` [lo, hi], ``years_not`` [lo, hi], ``k`` (exact count), ``min_k`` (default 5, or k),
``exclude_previous`` (1-based ranks of the previous reply that must not come back),
``exclude_title_words``, ``forbid_text``, ``require_text``, ``forbid_titles`` (titles the
user named, which must not come back), ``title_words_any`` with ``title_words_min`` (at least
that many picks, default all, have one of these words in their title: "a christmas movie"),
``titles_any`` with ``titles_min`` (at least that many picks, default all, are among these
titles: "a prison movie" is Shawshank, whose title never says so).
Every reply must also avoid the history. Optional
keys: ``category`` (scenario or turn), ``history_ids`` (the pasted items' catalogue ids, else
the app's own parse of the paste is used) and ``target`` (a held-out item: its HR@10 / NDCG@10
given the first request is reported).

The default development set is the hand-written scenarios (``benchmarks/scenarios/
handwritten.jsonl``), the regressions found after them (``regressions.jsonl``, written by the
developers for each failure class they fixed: a development set too) plus scenarios generated
from held-out ML-1M test users (``benchmarks/scenario_generator.py``; built on first use, see
there why it is not committed).
Turns are timed without explanations (``app.llm_explanations = false``; the explainer is not
run): the latency reported is the time to the recommendations. Writes
``benchmarks/results/conversation_ml1m.{json,md}``; prints each failing turn and, last,
``conversations: P/N scenarios clean, T/M turns clean``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import math
import re
import shlex
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from recommender.config import PROJECT_ROOT, load_config
from recommender.conversation.history_parser import parse_history
from recommender.conversation.orchestrator import Deps, Reply, step
from recommender.conversation.sequels import sequel_ids
from recommender.conversation.state import SessionState
from recommender.data import load_dataset
from recommender.data.catalogue import Catalogue
from recommender.provenance import collect_provenance, git_state
from recommender.stats import compare_targets  # noqa: E402

log = logging.getLogger(__name__)
SCENARIOS = PROJECT_ROOT / "benchmarks" / "scenarios"
HANDWRITTEN = SCENARIOS / "handwritten.jsonl"
REGRESSIONS = SCENARIOS / "regressions.jsonl"  # failure classes found after the hand-written set
GENERATED = SCENARIOS / "generated_ml1m.jsonl"
RESULTS = PROJECT_ROOT / "benchmarks" / "results"
EXPECT_KEYS = {
    "genres_any",
    "genres_all",
    "genres_none",
    "max_genres",
    "years",
    "years_not",
    "k",
    "min_k",
    "exclude_previous",
    "keep_previous",
    "exclude_title_words",
    "forbid_text",
    "require_text",
    "forbid_titles",
    "no_sequels",
    "history_min",
    "kind",
    "title_words_any",
    "title_words_min",
    "titles_any",
    "titles_min",
}
DEFAULT_MIN_K = 5


@dataclass
class Turn:
    say: str
    expect: dict[str, Any]
    category: str


@dataclass
class Scenario:
    id: str
    history: str
    turns: list[Turn]
    category: str = ""
    history_ids: list[int] | None = None
    target: int | None = None
    paste_format: str = ""  # generated scenarios: lines | lines_any_order | letterboxd


@dataclass
class TurnResult:
    scenario: str
    index: int
    say: str
    category: str
    failures: list[str]
    latency_ms: float
    items: list[int] = field(default_factory=list)


def load_scenarios(path: Path) -> list[Scenario]:
    """Read and validate a JSON-lines scenario file (a clear error names the bad line)."""
    scenarios = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            turns = []
            for turn in raw["turns"]:
                unknown = set(turn.get("expect", {})) - EXPECT_KEYS
                if unknown:
                    raise ValueError(f"unknown expect keys {sorted(unknown)}")
                turns.append(
                    Turn(
                        say=str(turn["say"]),
                        expect=dict(turn.get("expect", {})),
                        category=str(turn.get("category") or raw.get("category") or "other"),
                    )
                )
            scenarios.append(
                Scenario(
                    id=str(raw["id"]),
                    history=str(raw.get("history") or ""),
                    turns=turns,
                    category=str(raw.get("category") or ""),
                    history_ids=raw.get("history_ids"),
                    target=raw.get("target"),
                    paste_format=str(raw.get("paste_format") or ""),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SystemExit(f"{path}:{number}: not a valid scenario ({exc})") from None
    return scenarios


def first_turns_with_targets(scenarios: list[Scenario]) -> list[Scenario]:
    """``--targets-only``: the scenarios with a held-out target, cut to their first turn (the
    only turn the target's accuracy is read from, so its ranks are those of a full run)."""
    return [dataclasses.replace(s, turns=s.turns[:1]) for s in scenarios if s.target is not None]


def _title_key(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def judge_turn(
    expect: dict[str, Any],
    reply: Reply,
    catalogue: Catalogue,
    history: set[int],
    previous: list[int],
) -> list[str]:
    """Why a reply fails its expectations ([] when the turn is clean)."""
    failures: list[str] = []
    ids = [card.item_id for card in reply.cards]
    items = catalogue.many(ids)
    k = expect.get("k")
    kind = expect.get("kind")
    if kind is not None and reply.kind != kind:
        failures.append(f"reply is {reply.kind}, expected {kind}")
    default_k = DEFAULT_MIN_K if kind in (None, "recommendations") else 0
    min_k = expect.get("min_k", k if k is not None else default_k)
    if k is not None and len(ids) != k:
        failures.append(f"{len(ids)} items, expected exactly {k}")
    if len(ids) < min_k:
        failures.append(f"{len(ids)} items, expected at least {min_k}")
    for item in items:
        genres, name = set(item.genres), item.display_title
        if expect.get("genres_any") and not genres & set(expect["genres_any"]):
            failures.append(f"{name} has none of {expect['genres_any']}")
        if expect.get("genres_all") and not set(expect["genres_all"]) <= genres:
            failures.append(f"{name} lacks one of {expect['genres_all']}")
        if genres & set(expect.get("genres_none", [])):
            failures.append(f"{name} is {sorted(genres & set(expect['genres_none']))}")
        if len(genres) > expect.get("max_genres", len(genres)):  # "a romance": mostly that
            failures.append(f"{name} has {len(genres)} genres, over {expect['max_genres']}")
        if "years" in expect:
            lo, hi = expect["years"]
            if item.year is None or not lo <= item.year <= hi:
                failures.append(f"{name} is not from {lo}-{hi}")
        if "years_not" in expect and item.year is not None:
            lo, hi = expect["years_not"]
            if lo <= item.year <= hi:
                failures.append(f"{name} is from {lo}-{hi}")
        for words in expect.get("exclude_title_words", []):
            if _title_key(words) in _title_key(name):
                failures.append(f"{name} contains {words!r}")
        if item.item_id in history:
            failures.append(f"{name} is in the history")
        bare = _title_key(re.sub(r"\s*\(\d{4}\)$", "", name))
        if any(_title_key(title) == bare for title in expect.get("forbid_titles", [])):
            failures.append(f"{name} was named by the user")
    if expect.get("title_words_any"):  # "a christmas movie": the picks name it
        words = [_title_key(w) for w in expect["title_words_any"]]
        naming = sum(any(w in _title_key(i.display_title) for w in words) for i in items)
        wanted = expect.get("title_words_min", len(items))
        if naming < wanted:
            named = expect["title_words_any"]
            failures.append(f"{naming} titles name one of {named}, not {wanted}")
    if expect.get("titles_any"):  # "a prison movie": Shawshank, Papillon, ...
        listed = {_title_key(title) for title in expect["titles_any"]}
        bare_titles = [_title_key(re.sub(r"\s*\(\d{4}\)$", "", i.display_title)) for i in items]
        among = sum(title in listed for title in bare_titles)
        wanted = expect.get("titles_min", len(items))
        if among < wanted:
            failures.append(f"{among} picks are among the {len(listed)} expected, not {wanted}")
    for rank in expect.get("exclude_previous", []):
        if 1 <= rank <= len(previous) and previous[rank - 1] in ids:
            failures.append(f"previous #{rank} came back")
        elif rank > len(previous):
            failures.append(f"previous reply had no #{rank}")
    for rank in expect.get("keep_previous", []):  # "swap the third one": the others stay put
        if not 1 <= rank <= min(len(previous), len(ids)) or previous[rank - 1] != ids[rank - 1]:
            failures.append(f"previous #{rank} did not stay #{rank}")
    if expect.get("no_sequels"):
        sequels = sequel_ids(catalogue)
        failures += [f"{i.display_title} is a sequel" for i in items if i.item_id in sequels]
    text = reply.text.lower()
    for forbidden in expect.get("forbid_text", []):
        if forbidden.lower() in text:
            failures.append(f"reply contains {forbidden!r}")
    for required in expect.get("require_text", []):
        if required.lower() not in text:
            failures.append(f"reply lacks {required!r}")
    return failures


class _NoExplanations:
    """The benchmark judges recommendations; explanations are timed in chat_latency.py."""

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[list[Any]]:
        return iter(())


def run_scenario(scenario: Scenario, deps: Deps) -> tuple[list[TurnResult], dict[str, float]]:
    """Replay one scenario; also the held-out target's ranks after the first turn."""
    if scenario.history_ids is not None:
        history = set(scenario.history_ids)
    else:
        parsed = parse_history(scenario.history, deps.catalogue, matcher=deps.matcher)
        history = set(parsed.item_ids)
    state, previous, results = SessionState(), [], []
    accuracy: dict[str, float] = {}
    for index, turn in enumerate(scenario.turns):
        paste = scenario.history if index == 0 and scenario.history else None
        started = time.perf_counter()
        try:
            state, reply = step(state, turn.say, deps, paste=paste)
        except Exception as exc:  # a crash is a failure of the turn, and of the app
            log.exception("turn crashed")
            results.append(
                TurnResult(scenario.id, index, turn.say, turn.category, [f"crash: {exc!r}"], 0.0)
            )
            break
        latency = (time.perf_counter() - started) * 1000
        known = history | set(state.history)  # the paste and titles typed in the chat
        failures = judge_turn(turn.expect, reply, deps.catalogue, known, previous)
        if len(state.history) < turn.expect.get("history_min", 0):
            failures.append(f"history has {len(state.history)} items")
        ids = [card.item_id for card in reply.cards]
        results.append(
            TurnResult(scenario.id, index, turn.say, turn.category, failures, latency, ids)
        )
        if index == 0 and scenario.target is not None:
            order = reply.trace.get("ranking", {}).get("order_ids", [])
            rank = order.index(scenario.target) if scenario.target in order[:10] else None
            accuracy = {
                "paste_format": scenario.paste_format,
                "hr10": float(rank is not None),
                "ndcg10": 0.0 if rank is None else 1.0 / math.log2(rank + 2),
                "mrr10": 0.0 if rank is None else 1.0 / (rank + 1),
            }
        previous = ids
    return results, accuracy


def build_development_set(n_generated: int, seed: int) -> list[Path]:
    """The hand-written scenarios plus ``n_generated`` from ML-1M test users (built once)."""
    try:
        from benchmarks.scenario_generator import generate
    except ModuleNotFoundError:  # run as a script: benchmarks/ is on sys.path, not the root
        from scenario_generator import generate
    if not GENERATED.exists() or _count_lines(GENERATED) != n_generated or _stale(GENERATED):
        scenarios = generate(load_dataset("ml-1m"), n_generated, seed)
        GENERATED.write_text("".join(json.dumps(s) + "\n" for s in scenarios), encoding="utf-8")
    return [HANDWRITTEN, REGRESSIONS, GENERATED]


def _stale(path: Path) -> bool:
    """A generated set older than its generator is rebuilt (the generator may have changed)."""
    generator = Path(__file__).with_name("scenario_generator.py")
    return path.stat().st_mtime < generator.stat().st_mtime


def _count_lines(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


def _shown_path(path: Path) -> str:
    resolved = Path(path).resolve()
    return str(
        resolved.relative_to(PROJECT_ROOT) if resolved.is_relative_to(PROJECT_ROOT) else path
    )


def summarise(
    results: list[TurnResult], scenario_ids: list[str], accuracy: list[dict[str, float]]
) -> dict[str, Any]:
    """Pass rates overall and per category, latency, and the targets' accuracy."""
    by_scenario: dict[str, bool] = {sid: True for sid in scenario_ids}
    categories: dict[str, list[int]] = {}
    for result in results:
        clean = not result.failures
        by_scenario[result.scenario] = by_scenario[result.scenario] and clean
        passed, total = categories.setdefault(result.category, [0, 0])
        categories[result.category] = [passed + clean, total + 1]
    latencies = [r.latency_ms for r in results if r.latency_ms > 0]
    clean_turns = sum(not r.failures for r in results)
    out: dict[str, Any] = {
        "scenarios": len(by_scenario),
        "scenarios_clean": sum(by_scenario.values()),
        "turns": len(results),
        "turns_clean": clean_turns,
        "turn_pass_rate": round(clean_turns / max(1, len(results)), 4),
        "categories": {
            name: {"clean": p, "turns": t, "pass_rate": round(p / t, 4)}
            for name, (p, t) in sorted(categories.items())
        },
        "turn_latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
            "p95": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
            "n": len(latencies),
        },
    }
    if accuracy:
        metrics = ("hr10", "ndcg10", "mrr10")
        out["target_given_request"] = {
            "users": len(accuracy),
            **{m: round(float(np.mean([a[m] for a in accuracy])), 4) for m in metrics},
        }
        formats = sorted({a.get("paste_format", "") for a in accuracy} - {""})
        out["target_by_paste_format"] = {
            fmt: {
                "users": sum(a.get("paste_format") == fmt for a in accuracy),
                **{
                    m: round(
                        float(np.mean([a[m] for a in accuracy if a.get("paste_format") == fmt])), 4
                    )
                    for m in metrics
                },
            }
            for fmt in formats
        }
    return out


def markdown(
    summary: dict[str, Any], meta: dict[str, Any], compare: dict[str, Any] | None = None
) -> str:
    lines = [
        f"# Conversation benchmark ({meta['scenario_files']})",
        "",
        f"Command: `{meta['command']}` · commit `{meta['commit']}` · scenarios digest "
        f"`{meta['scenarios_digest']}` · ranking: {meta['serving']['ranking']}",
        "",
        f"- scenarios clean: {summary['scenarios_clean']}/{summary['scenarios']}",
        f"- turns clean: {summary['turns_clean']}/{summary['turns']} "
        f"({100 * summary['turn_pass_rate']:.1f}%)",
        f"- turn latency (no explanations): p50 {summary['turn_latency_ms']['p50']} ms, "
        f"p95 {summary['turn_latency_ms']['p95']} ms",
    ]
    if "target_given_request" in summary:
        t = summary["target_given_request"]
        lines.append(
            f"- held-out target given the request ({t['users']} generated scenarios): "
            f"HR@10 {t['hr10']:.4f}, NDCG@10 {t['ndcg10']:.4f}, MRR@10 {t['mrr10']:.4f}"
        )
        for fmt, f in summary.get("target_by_paste_format", {}).items():
            lines.append(
                f"  - pasted as {fmt} ({f['users']}): HR@10 {f['hr10']:.4f}, "
                f"NDCG@10 {f['ndcg10']:.4f}"
            )
    if compare and compare.get("scenarios"):
        for metric in ("ndcg10", "hr10"):
            c = compare[metric]
            lines.append(
                f"- {metric} minus `{compare['other']}` on the same {compare['scenarios']} "
                f"scenarios: {c['diff']:+.4f} [{c['ci95'][0]:+.4f}, {c['ci95'][1]:+.4f}] "
                "(paired bootstrap over scenarios)"
            )
    lines += ["", "| category | clean turns | pass rate |", "|---|---|---|"]
    for name, c in summary["categories"].items():
        lines.append(f"| {name} | {c['clean']}/{c['turns']} | {100 * c['pass_rate']:.1f}% |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Replay conversation scenarios through the app's step() and judge each turn."
    )
    parser.add_argument(
        "--scenarios",
        type=Path,
        action="append",
        help="a JSON-lines scenario file (repeatable); default: the ML-1M development set",
    )
    parser.add_argument(
        "--json",
        type=Path,
        help="write the full results here (and the .md beside it) instead of the default "
        "benchmarks/results/conversation_ml1m*.json",
    )
    parser.add_argument(
        "--generated", type=int, default=300, help="generated scenarios in the development set"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated scenarios")
    parser.add_argument(
        "--ranking",
        choices=["app", "off", "auto"],
        default="app",
        help="app: the app's configured ranker; off: the retrieval order; auto: LLM-SRec heads",
    )
    parser.add_argument(
        "--srec-head",
        type=Path,
        help="LLM-SRec heads for --ranking auto (default: the config's llm.srec_head); "
        "request-aware heads write conversation_ml1m_llm_srec_request.*",
    )
    parser.add_argument("--limit", type=int, help="only the first N scenarios (a quick look)")
    parser.add_argument(
        "--targets-only",
        action="store_true",
        help="only the scenarios with a held-out target, only their first turn (the target's "
        "accuracy given the request, at a fraction of the cost; pass rates then cover those turns)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        help="another run's JSON: paired bootstrap of the targets' NDCG@10/HR@10 (this - that)",
    )
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    git = git_state()  # at the start: a long run may outlast a commit
    default_set = not args.scenarios
    files = build_development_set(args.generated, args.seed) if default_set else args.scenarios
    scenarios = [s for path in files for s in load_scenarios(path)][: args.limit]
    if args.targets_only:
        scenarios = first_turns_with_targets(scenarios)

    from recommender.serving import build_deps

    config = load_config()
    config.app.llm_explanations = False
    if args.ranking != "app":
        config.app.llm_ranking = args.ranking
    if args.srec_head is not None:
        if not args.srec_head.exists():
            parser.error(f"--srec-head {args.srec_head}: no such file")
        config.llm.srec_head = args.srec_head
    deps, info = build_deps(config, progress=not args.no_progress)
    deps.explainer = _NoExplanations()

    results: list[TurnResult] = []
    accuracy: list[dict[str, float]] = []
    targets: dict[str, dict[str, float]] = {}
    for scenario in tqdm(scenarios, desc="scenarios", disable=args.no_progress):
        turns, target = run_scenario(scenario, deps)
        results += turns
        if target:
            accuracy.append(target)
            targets[scenario.id] = target
    for result in results:
        if result.failures:
            reasons = "; ".join(result.failures[:4])
            more = f" (+{len(result.failures) - 4} more)" if len(result.failures) > 4 else ""
            print(
                f"FAIL {result.scenario} turn {result.index + 1} [{result.category}] "
                f"{result.say!r}: {reasons}{more}"
            )
    summary = summarise(results, [s.id for s in scenarios], accuracy)
    command = "python benchmarks/conversation.py " + shlex.join(argv or sys.argv[1:])
    provenance = collect_provenance(
        command,
        artifacts={
            "sasrec_checkpoint": config.app.sasrec_checkpoint,
            "srec_head": config.llm.srec_head if config.app.llm_ranking != "off" else None,
        },
        dataset=load_dataset(config.data.dataset),
        config=config.to_dict(),
        git=git,
    )
    meta = {
        "command": command,
        "commit": f"{git[0]}{'+dirty' if git[1] else ''}",
        "scenario_files": ", ".join(_shown_path(f) for f in files),
        "scenarios_digest": _digest(list(files)),
        "serving": info.__dict__,
    }
    report = {
        **meta,
        "provenance": provenance,
        "summary": summary,
        "targets": targets,  # per generated scenario: the held-out target given the request
        "turns": [r.__dict__ for r in results],
    }
    if args.compare:
        report["compare"] = compare_targets(targets, json.loads(args.compare.read_text()))
    out: Path | None = args.json  # --json names the results (and the .md beside it)
    if out is None and default_set:
        suffix = {"app": "", "off": "_retrieval_order", "auto": "_llm_srec"}[args.ranking]
        if "request-aware" in info.ranking:  # keep the history-only heads' results
            suffix += "_request_items" if "(item states)" in info.ranking else "_request"
        if args.targets_only:
            suffix += "_targets"
        out = RESULTS / f"conversation_ml1m{suffix}.json"
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1) + "\n")
        out.with_suffix(".md").write_text(markdown(summary, meta, report.get("compare")))
    print(markdown(summary, meta, report.get("compare")))
    print(
        f"conversations: {summary['scenarios_clean']}/{summary['scenarios']} scenarios clean, "
        f"{summary['turns_clean']}/{summary['turns']} turns clean"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
