"""How well pasted histories are matched to the catalogue: one line (or export row) at a time.

    python benchmarks/matching.py --build          # (re)write the matching set from ML-1M
    python benchmarks/matching.py                  # run it, write results/matching_ml1m.*

The set (``benchmarks/matching/ml1m_lines.jsonl``, one JSON object a line: ``id``, ``format``,
``category``, ``paste``, ``expected`` item ids, ``note``) has two parts:

- hand-written cases (``benchmarks/matching/hand_cases.jsonl``): what people type, with
  remarks, abbreviations, sequel numbering, typos, exports with original titles, and films
  that are NOT in the catalogue (``expected`` = []: listing them back is right, matching
  them is wrong);
- generated cases (``--build``, seeded): the main title of every catalogue film that carries
  an alternative title in parentheses, in the four formats; alternative titles typed alone;
  one-letter typos; case, article and year variants of popular films.

Expectations never come from the matcher: hand cases name their films by catalogue title
(resolved by the catalogue's exact lookup), generated cases know the film they were made from;
a generated line that would equally name another film (a namesake without a year, a typo
within two letters of another title) is expected to be listed back, or left out.

Each paste goes through ``parse_history`` (the app's path). A case is *correct* when the
matched items are exactly the expected ones, *wrong* when anything else was matched (a
confident wrong match: the number that must stay 0), else *listed back* (ambiguous or
unmatched: the user is asked). Writes ``benchmarks/results/matching_ml1m.{json,md}``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import logging
import random
import re
import shlex
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``recommender`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recommender.conversation.history_parser import (  # noqa: E402
    HistoryParse,
    TitleMatcher,
    parse_history,
)
from recommender.data import Catalogue, Dataset, load_dataset  # noqa: E402
from recommender.data.catalogue import natural_title  # noqa: E402
from recommender.provenance import collect_provenance

log = logging.getLogger("benchmarks.matching")

HERE = Path(__file__).resolve().parent
DEFAULT_SET = HERE / "matching" / "ml1m_lines.jsonl"
HAND_CASES = HERE / "matching" / "hand_cases.jsonl"  # what people type, written by hand
RESULTS = HERE / "results"
FORMATS = ("lines", "letterboxd", "imdb", "netflix", "free_text")
LETTERBOXD_HEADER = "Date,Name,Year,Letterboxd URI"
IMDB_HEADER = (
    "Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,"
    "Runtime (mins),Year,Genres,Num Votes,Release Date,Directors"
)
NETFLIX_HEADER = '"Title","Date"'


@dataclass(frozen=True)
class Case:
    """One paste and the catalogue items it should give (none: it should be listed back)."""

    id: str
    format: str  # lines | letterboxd | imdb | netflix | free_text
    category: str  # what the case tests, e.g. "alt_main", "typo", "not_in_catalogue"
    paste: str  # the text, or CSV header + row(s)
    expected: list[int]  # catalogue item ids; [] = must not be matched
    note: str = ""


@dataclass
class Outcome:
    """How one case went."""

    verdict: str  # "correct" | "wrong" | "listed_back"
    matched: list[int]  # what parse_history matched
    wrong: list[int] = field(default_factory=list)  # matched but not expected
    missing: list[int] = field(default_factory=list)  # expected but not matched
    ambiguous: list[list[int]] = field(default_factory=list)  # options listed back
    unmatched: list[str] = field(default_factory=list)  # texts listed back


def score_case(case: Case, result: HistoryParse) -> Outcome:
    """Correct = exactly the expected items; wrong = any other item matched; else listed back."""
    matched = result.item_ids
    wrong = [i for i in matched if i not in case.expected]
    missing = [i for i in case.expected if i not in matched]
    if wrong:
        verdict = "wrong"
    elif missing:
        verdict = "listed_back"
    else:
        verdict = "correct"
    return Outcome(
        verdict,
        matched,
        wrong,
        missing,
        [list(a.options) for a in result.ambiguous],
        [u.text for u in result.unmatched],
    )


# ----------------------------------------------------------------------------- hand-written


def hand_cases(catalogue: Catalogue, path: Path = HAND_CASES) -> list[Case]:
    """The hand-written cases with their expected titles resolved to ids (exactly one each).

    ``path`` holds one JSON object a line: ``category``, ``format``, ``paste`` (for exports only
    the rows: the header is added), ``expected_titles`` ("Title (Year)" as in the catalogue),
    ``note``.
    """
    headers = {"letterboxd": LETTERBOXD_HEADER, "imdb": IMDB_HEADER, "netflix": NETFLIX_HEADER}
    cases = []
    lines = [line for line in path.read_text("utf-8").splitlines() if line.strip()]
    for n, line in enumerate(lines, start=1):
        record = json.loads(line)
        fmt, paste = record["format"], record["paste"]
        category, note = record["category"], record.get("note", "")
        expected = []
        for title in record["expected_titles"]:
            found = catalogue.by_title(title)
            if len(found) != 1:
                raise ValueError(f"hand case {n}: {title!r} names {len(found)} catalogue items")
            expected.append(found[0].item_id)
        text = f"{headers[fmt]}\n{paste}" if fmt in headers else paste
        cases.append(Case(f"hand-{n:03d}", fmt, category, text, expected, note))
    return cases


# ----------------------------------------------------------------------------- generated


def plain(text: str) -> str:
    """A simple key for the generator's own checks (not the matcher's): lower case, no accents
    or punctuation, no leading English article."""
    text = unicodedata.normalize("NFKD", natural_title(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    words = re.sub(r"[^\w\s]", " ", text).split()
    if len(words) > 1 and words[0] in ("the", "a", "an"):
        words = words[1:]
    return " ".join(words)


def main_and_alternatives(title: str) -> tuple[str, list[str]]:
    """``"Seventh Seal, The (Sjunde inseglet, Det)"`` -> ``("The Seventh Seal",
    ["Det Sjunde inseglet"])`` (generator's reading of the catalogue convention)."""
    start = title.find(" (")
    if start <= 0:
        return natural_title(title), []
    groups = [g.strip() for g in re.findall(r"\(([^()]*)\)?", title[start:]) if g.strip()]
    alternatives = []
    for group in groups:
        for piece in re.split(r"/|a\.k\.a\.", group):
            piece = piece.strip(" ,")
            moved = re.match(r"^(.*), (Det|Das|Der|Die|La|Le|Les|L'|Il|I|El|O|The|A|An)$", piece)
            if moved:
                sep = "" if moved.group(2).endswith("'") else " "
                piece = f"{moved.group(2)}{sep}{moved.group(1)}"
            if piece:
                alternatives.append(piece)
    return natural_title(title[:start]), alternatives


def _csv_row(values: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


def _export(fmt: str, title: str, year: int | None, original: str, rng: random.Random) -> str:
    """One export row (with header) for a film, as Letterboxd / IMDb / Netflix write it."""
    day = f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if fmt == "letterboxd":
        return f"{LETTERBOXD_HEADER}\n" + _csv_row([day, title, year, "https://boxd.it/x"])
    if fmt == "imdb":
        const = f"tt{rng.randint(10**6, 10**7 - 1)}"
        row = [const, rng.randint(5, 10), day, title, original or title, "", "Movie", 7.5, 100]
        row += [year, "Drama", 1000, f"{year}-01-01", ""]
        return f"{IMDB_HEADER}\n" + _csv_row(row)
    if fmt == "netflix":
        month, dom = rng.randint(1, 12), rng.randint(1, 28)
        return f"{NETFLIX_HEADER}\n" + _csv_row([title, f"{month}/{dom}/23"])
    raise ValueError(fmt)


def _typo(word: str, rng: random.Random) -> str:
    """One typing slip, never in the first letter: a swap, a dropped or a doubled letter."""
    letters = [i for i in range(1, len(word)) if word[i].isalpha()]
    i = rng.choice(letters)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap" and i + 1 < len(word) and word[i + 1].isalpha() and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def generated_cases(dataset: Dataset, seed: int) -> list[Case]:
    """Alternative-titled films in every format, alternative titles alone, typos, variants."""
    from rapidfuzz.distance import Levenshtein

    rng = random.Random(seed)
    catalogue = dataset.catalogue
    counts = Counter(i for sequence in dataset.sequences for i in sequence)
    names: dict[str, set[int]] = defaultdict(set)  # plain name -> items (main and alternative)
    mains: dict[str, set[int]] = defaultdict(set)
    for item in catalogue:
        main, alternatives = main_and_alternatives(item.title)
        mains[plain(main)].add(item.item_id)
        for name in [main, *alternatives]:
            names[plain(name)].add(item.item_id)
    cases: list[Case] = []

    def add(category: str, fmt: str, paste: str, expected: list[int], note: str) -> None:
        cases.append(Case(f"{category}-{len(cases) + 1:04d}", fmt, category, paste, expected, note))

    # 1. the main title of every film with an alternative title in parentheses
    for item in catalogue:
        main, alternatives = main_and_alternatives(item.title)
        if not alternatives:
            continue
        namesakes = mains[plain(main)] - {item.item_id}
        fmt = rng.choices(("lines", "letterboxd", "imdb", "netflix"), (40, 25, 20, 15))[0]
        year = item.year
        if fmt in ("letterboxd", "imdb") and year and rng.random() < 0.1:
            year += 1  # export years differ from the catalogue's by a year now and then
        if fmt == "lines":
            with_year = bool(namesakes) and rng.random() < 0.7
            paste = f"{main} ({item.year})" if with_year else main
            expected = [] if namesakes and not with_year else [item.item_id]
        elif fmt == "netflix":
            paste = _export(fmt, main, None, "", rng)
            expected = [] if namesakes else [item.item_id]
        else:
            paste = _export(fmt, main, year, alternatives[-1], rng)
            expected = [item.item_id]
        note = item.display_title + (" (has namesakes)" if namesakes else "")
        add("alt_main", fmt, paste, expected, note)

    # 2. an alternative / original title typed alone ("Se7en", "Das Boot", "La Haine")
    with_alternatives = [i for i in catalogue if main_and_alternatives(i.title)[1]]
    for item in rng.sample(with_alternatives, min(40, len(with_alternatives))):
        alternative = rng.choice(main_and_alternatives(item.title)[1])
        if names[plain(alternative)] != {item.item_id} or len(plain(alternative)) < 3:
            continue  # also another film's name: not a fair question
        paste = alternative.lower() if rng.random() < 0.3 else alternative
        add("alt_title", "lines", paste, [item.item_id], item.display_title)

    # 3. one typing slip in a popular title (never within two edits of another title)
    popular = [catalogue.get(i) for i, _ in counts.most_common(600)]
    plain_names = list(names)
    candidates = [
        i for i in popular if not main_and_alternatives(i.title)[1] and len(plain(i.title)) >= 8
    ]
    typos = 0
    for item in rng.sample(candidates, len(candidates)):
        if typos == 50:
            break
        main = natural_title(item.title)
        slipped = _typo(main, rng)
        key = plain(slipped)
        if key == plain(main) or not key:
            continue
        near = {
            other
            for name in plain_names
            if Levenshtein.distance(key, name, score_cutoff=2) <= 2
            for other in names[name]
        }
        if near - {item.item_id}:
            continue  # the slip is as close to another film: no single right answer
        if mains[plain(main)] != {item.item_id}:
            continue
        add("typo", "lines", slipped, [item.item_id], item.display_title)
        typos += 1

    # 4. case, article, catalogue form, bullets and years on popular films
    for item in rng.sample(popular[:400], min(40, len(popular[:400]))):
        main = natural_title(item.title)
        if main_and_alternatives(item.title)[1]:
            continue
        variant = rng.choice(("lower", "upper", "no_article", "catalogue", "year", "bullet"))
        paste = {
            "lower": main.lower(),
            "upper": main.upper(),
            "no_article": re.sub(r"^(The|A|An) ", "", main),
            "catalogue": item.title,
            "year": f"{main} {item.year}",
            "bullet": f"{rng.randint(1, 30)}. {main}",
        }[variant]
        namesakes = mains[plain(main)] - {item.item_id}
        expected = [] if namesakes and variant != "year" else [item.item_id]
        add("case_article", "lines", paste, expected, f"{variant}: {item.display_title}")
    return cases


def build_set(dataset: Dataset, seed: int) -> list[Case]:
    """Hand-written cases followed by the generated ones."""
    return hand_cases(dataset.catalogue) + generated_cases(dataset, seed)


def write_set(cases: Iterable[Case], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for case in cases:
            out.write(json.dumps(asdict(case), ensure_ascii=False) + "\n")


def read_set(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            record.setdefault("category", record["format"])
            cases.append(Case(**record))
    return cases


# ----------------------------------------------------------------------------- running


def run_cases(cases: Sequence[Case], catalogue: Catalogue) -> dict[str, Any]:
    """Every case through ``parse_history`` with one shared matcher; totals and failures."""
    matcher = TitleMatcher(catalogue)
    started = time.perf_counter()
    outcomes = [
        score_case(case, parse_history(case.paste, catalogue, matcher=matcher)) for case in cases
    ]
    elapsed = time.perf_counter() - started
    totals = _tally(outcomes)
    groups: dict[str, dict[str, dict[str, int]]] = {"format": {}, "category": {}}
    for key in groups:
        values = sorted({getattr(c, key) for c in cases})
        for value in values:
            picked = [o for c, o in zip(cases, outcomes, strict=True) if getattr(c, key) == value]
            groups[key][value] = _tally(picked)
    failures = [
        {
            "id": case.id,
            "category": case.category,
            "format": case.format,
            "paste": case.paste.splitlines()[-1] if case.format != "free_text" else case.paste,
            "expected": [catalogue.get(i).display_title for i in case.expected],
            "verdict": outcome.verdict,
            "matched": [catalogue.get(i).display_title for i in outcome.matched],
            "ambiguous": [[catalogue.get(i).display_title for i in a] for a in outcome.ambiguous],
            "unmatched": outcome.unmatched,
            "note": case.note,
        }
        for case, outcome in zip(cases, outcomes, strict=True)
        if outcome.verdict != "correct"
    ]
    return {
        "totals": totals,
        "by_format": groups["format"],
        "by_category": groups["category"],
        "failures": failures,
        "seconds": round(elapsed, 3),
        "ms_per_case": round(1000 * elapsed / max(len(cases), 1), 3),
    }


def _tally(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    counts = Counter(o.verdict for o in outcomes)
    n = len(outcomes)
    return {
        "cases": n,
        "correct": counts["correct"],
        "wrong": counts["wrong"],
        "listed_back": counts["listed_back"],
        "correct_pct": round(100 * counts["correct"] / n, 2) if n else 0.0,
    }


def _git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, cwd=HERE
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            cwd=HERE,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def catalogue_digest(catalogue: Catalogue) -> str:
    """sha256 of the catalogue's ids, titles and years (first 12 hex): which data was matched."""
    digest = hashlib.sha256()
    for item in catalogue:
        digest.update(f"{item.item_id}\t{item.title}\t{item.year}\n".encode())
    return digest.hexdigest()[:12]


def _shown_path(path: Path) -> str:
    resolved = path.resolve()
    root = HERE.parent
    return str(resolved.relative_to(root)) if resolved.is_relative_to(root) else str(path)


def _set_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def write_report(result: dict[str, Any], json_path: Path, md_path: Path) -> str:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    t = result["totals"]
    lines = [
        f"# Title matching on {result['dataset']} ({t['cases']} pasted cases)",
        "",
        f"Correct **{t['correct_pct']}%** ({t['correct']}/{t['cases']}); confident wrong matches "
        f"**{t['wrong']}**; listed back (ambiguous or unmatched) {t['listed_back']}.",
        "",
    ]
    for title, key in (("Format", "by_format"), ("Category", "by_category")):
        lines += [f"| {title} | cases | correct | wrong | listed back | correct % |"]
        lines.append("|---|---|---|---|---|---|")
        for name, row in result[key].items():
            lines.append(
                f"| {name} | {row['cases']} | {row['correct']} | {row['wrong']} | "
                f"{row['listed_back']} | {row['correct_pct']} |"
            )
        lines.append("")
    if result["failures"]:
        lines += ["## Not correct", ""]
        lines.append("| id | verdict | paste | expected | matched / listed back |")
        lines.append("|---|---|---|---|---|")
        for f in result["failures"]:
            shown = f["matched"] or [" / ".join(a) for a in f["ambiguous"]] or f["unmatched"]
            paste = f["paste"].replace("|", "\\|").replace("\n", " ⏎ ")
            lines.append(
                f"| {f['id']} | {f['verdict']} | {paste} | {'; '.join(f['expected']) or '(none)'} "
                f"| {'; '.join(shown).replace('|', '/')} |"
            )
        lines.append("")
    lines += [
        "The hand-written cases include regressions added while the matcher was developed "
        "(this is a development set, not a held-out one); the generated cases come from the "
        "catalogue with a seed and do not depend on the matcher.",
        "",
        f"Matching took {result['seconds']} s ({result['ms_per_case']} ms a case, one matcher "
        "built once, as the app does).",
        "",
        f"Set: `{result['set']}` (sha256 {result['set_digest']}). Catalogue digest: "
        f"{result['catalogue_digest']}. Commit: {result['git_commit']}.",
        "",
        f"Command: `{result['command']}`",
        "",
    ]
    text = "\n".join(lines)
    md_path.write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="ml-1m", help="catalogue to match against")
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="matching set (JSONL)")
    parser.add_argument("--build", action="store_true", help="(re)write the set, then run it")
    parser.add_argument("--seed", type=int, default=0, help="seed for the generated cases")
    parser.add_argument("--json", type=Path, default=RESULTS / "matching_ml1m.json")
    parser.add_argument("--md", type=Path, default=RESULTS / "matching_ml1m.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    dataset = load_dataset(args.dataset)
    if args.build:
        cases = build_set(dataset, args.seed)
        write_set(cases, args.set)
        print(f"wrote {len(cases)} cases to {args.set}")
    cases = read_set(args.set)
    result = {
        "command": " ".join(
            ["python benchmarks/matching.py", shlex.join(sys.argv[1:] if argv is None else argv)]
        ).strip(),
        "dataset": args.dataset,
        "catalogue_digest": catalogue_digest(dataset.catalogue),
        "catalogue_items": len(dataset.catalogue),
        "set": _shown_path(args.set),
        "set_digest": _set_digest(args.set),
        "git_commit": _git_commit(),
        **run_cases(cases, dataset.catalogue),
    }
    result["provenance"] = collect_provenance(
        result["command"], artifacts={"matching_set": args.set}, dataset=dataset
    )
    text = write_report(result, args.json, args.md)
    print(text)
    for failure in result["failures"]:
        print(json.dumps(failure, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
