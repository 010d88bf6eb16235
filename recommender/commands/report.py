"""``report``: regenerate docs/results.md (+ PNGs) from the committed results; ``--check``."""

from __future__ import annotations

import argparse
import sys

from recommender.config import Config


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="results tables and plots from the committed run files",
        description="Write docs/results.md and its PNGs from benchmarks/results/. With --check, "
        "write nothing and exit 1 when the README or docs/results.md disagrees with the files.",
    )
    parser.add_argument("--check", action="store_true", help="verify only; exit 1 on a mismatch")
    parser.add_argument(
        "--write-readme", action="store_true", help="also refresh the README's report blocks"
    )
    parser.add_argument("--no-figures", action="store_true", help="skip the PNGs")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, config: Config) -> int:
    from recommender import report

    if args.check:
        problems = report.check()
        for problem in problems:
            print(f"report --check: {problem}", file=sys.stderr)
        if not problems:
            print("report --check: README and docs/results.md match the committed results")
        return 1 if problems else 0
    generated = report.generate()
    path = report.REPO_ROOT / report.RESULTS_MD
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(generated.markdown())
    print(f"wrote {report.RESULTS_MD}")
    if not args.no_figures:
        for figure in report.write_figures():
            print(f"wrote {figure.relative_to(report.REPO_ROOT)}")
    if args.write_readme:
        readme = report.REPO_ROOT / "README.md"
        readme.write_text(report.fill_readme(readme.read_text(), generated))
        print("refreshed the README's report blocks")
    return 0
