"""HTML and Markdown rendering for the chat UI: cards, the pipeline trace, personas, what the
session remembers, and the footer."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from recommender.conversation.orchestrator import Card, Reply
from recommender.conversation.state import SessionState
from recommender.data import Catalogue
from recommender.wording import md, year_span

CSS = """
.seq-card {display:flex; gap:14px; padding:14px 16px; border-radius:14px;
  background: var(--block-background-fill); border:1px solid var(--border-color-primary);}
.seq-rank {font-size:1.6em; font-weight:700; color: var(--color-accent); min-width:1.4em;}
.seq-title {font-size:1.1em; font-weight:650;}
.seq-year {font-weight:400; opacity:.7;}
.seq-chips {margin:6px 0;}
.seq-chip {display:inline-block; font-size:.78em; padding:2px 9px; margin:0 4px 4px 0;
  border-radius:999px; background: var(--color-accent-soft); color: var(--body-text-color);}
.seq-why {margin-top:4px; line-height:1.45;}
.seq-meta {margin-top:6px; font-size:.8em; opacity:.65;}
.seq-status {float:right; font-size:.8em; padding:2px 8px; border-radius:6px;
  background: var(--color-accent-soft);}
.seq-pending {opacity:.55; font-style:italic;}
"""

STATUS_LABELS = {"like": "👍 liked", "dislike": "👎 not for me", "seen": "✓ seen it"}
SOURCE_LABELS = {
    "sasrec": "sequence model",
    "request": "your request",
    "session": "similar to your history",
    "anchor": "like the titles you named",
    "popular": "popular",
}


@dataclass(frozen=True)
class Persona:
    name: str
    history: tuple[str, ...]
    request: str


def personas_for(deps_words_kind: str, custom: list | None = None) -> list[Persona]:
    """The built-in film personas for a movie catalogue; ``custom`` ones (any objects with
    ``name``, ``history`` and ``request``) for any other."""
    if custom is None:
        return load_personas() if deps_words_kind == "movies" else []
    return [Persona(p.name, tuple(p.history), p.request) for p in custom]


def load_personas() -> list[Persona]:
    """Ready-made demo histories (``recommender/personas.json``)."""
    text = resources.files("recommender").joinpath("personas.json").read_text("utf-8")
    return [Persona(p["name"], tuple(p["history"]), p["request"]) for p in json.loads(text)]


def keeps_cards(reply: Reply, before: SessionState, after: SessionState) -> bool:
    """Whether the cards on screen stay as they are: a reply without picks ("why the second
    one?", "thanks", "nothing fits") that leaves the last picks what "the 2nd" refers to."""
    return (
        not reply.cards
        and bool(after.last_recommendations)
        and after.last_recommendations == before.last_recommendations
    )


def card_html(card: Card, rank: int, status: str | None = None, did: str = "watched") -> str:
    esc = html.escape
    chips = "".join(f'<span class="seq-chip">{esc(g)}</span>' for g in card.genres)
    title, year = card.title, ""
    if card.year and title.endswith(f"({card.year})"):
        title, year = title[: -len(f"({card.year})")].rstrip(), f"({card.year})"
    if card.explanation:
        why = f'<div class="seq-why">{esc(card.explanation)}</div>'
    else:
        why = '<div class="seq-why seq-pending">Working out why…</div>'
    meta = []
    if card.because and card.explanation_source != "template":  # templates already say it
        meta.append(f"because you {esc(did)} " + esc(", ".join(card.because)))
    if card.provenance:
        meta.append("found by " + esc(", ".join(SOURCE_LABELS.get(p, p) for p in card.provenance)))
    if card.explanation_source == "template":
        meta.append("worded from the evidence")  # the deterministic realiser, no LLM
    badge = f'<span class="seq-status">{STATUS_LABELS[status]}</span>' if status else ""
    return (
        f'<div class="seq-card" data-item-id="{card.item_id}">'
        f'<div class="seq-rank">{rank}</div><div class="seq-body">{badge}'
        f'<div class="seq-title">{esc(title)} <span class="seq-year">{esc(year)}</span></div>'
        f'<div class="seq-chips">{chips}</div>{why}'
        f'<div class="seq-meta">{" · ".join(meta)}</div></div></div>'
    )


SHOWN_REMEMBERED = 8  # history titles listed in the "remembered" panel (the most recent)
NOTHING_REMEMBERED = "_Nothing remembered yet: paste a history or pick a persona._"


def _titles(catalogue: Catalogue, item_ids: list[int], limit: int) -> str:
    shown = [_md(catalogue.get(i).display_title) for i in item_ids[-limit:][::-1]]
    more = len(item_ids) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def session_markdown(
    state: SessionState, catalogue: Catalogue, restored: bool = False, did: str = "watched"
) -> str:
    """What this browser's session remembers: history, feedback and active constraints."""
    if state == SessionState():
        return NOTHING_REMEMBERED
    lead = "Restored from this browser" if restored else "Remembered in this browser"
    lines = [f"**{lead}** (survives a reload; *Forget me* clears it)"]
    if state.history:
        recent = _titles(catalogue, state.history, SHOWN_REMEMBERED)
        lines.append(f"- {len(state.history)} {did}, most recent first: {recent}")
    seen = [i for i in state.seen if i not in state.chosen]
    for label, ids in (("liked", state.liked), ("not for me", state.disliked),
                       ("chosen", state.chosen), ("seen", seen)):  # fmt: skip
        if ids:
            lines.append(f"- {label}: {_titles(catalogue, ids, SHOWN_REMEMBERED)}")
    c = state.constraints
    asked = []
    if c.include_genres:
        asked.append((" or " if c.genre_mode == "any" else " and ").join(c.include_genres))
    asked += [f"no {g}" for g in c.exclude_genres]
    if c.year_min is not None or c.year_max is not None:
        asked.append(year_span(c.year_min, c.year_max))
    if c.anchors:
        asked.append("like " + _titles(catalogue, c.anchors, 3))
    if asked:
        lines.append("- asking for: " + "; ".join(asked))
    return "\n".join(lines)


def footer_markdown(
    info: str,
    notice_url: str,
    licence_url: str,
    data_note: str = "MovieLens data: GroupLens terms, not redistributed",
) -> str:
    """The page footer: start-up facts and links to the licence and third-party notices."""
    links = (
        f"Apache-2.0 [licence]({licence_url}) · third-party models and data: "
        f"[NOTICE]({notice_url}) ({data_note})"
    )
    return f"<sub>{info}</sub>\n\n<sub>{links}</sub>" if info else f"<sub>{links}</sub>"


def _md(text: Any) -> str:
    """Data shown in the trace, escaped for Markdown (tables, emphasis, links, tags)."""
    return md(str(text))


def _evidence_line(e: dict[str, Any]) -> str:
    """One recommended item's evidence: counterfactual ranks, lift, shared facts."""
    parts = []
    base = e.get("base_rank")
    for c in e.get("cited", []):
        fact = f"**{_md(c['title'])}**"
        if base is not None and c.get("rank_without") is not None:
            fact += f": without it #{base} → #{c['rank_without']}"
        if c.get("lift") is not None:
            fact += f"; watched together {c['lift']:g}× as often as chance ({c['both']:,} of "
            fact += f"{c['cited_users']:,})"
        if c.get("shared_genres"):
            fact += "; shares " + ", ".join(c["shared_genres"])
        parts.append(fact)
    if e.get("method") == "counterfactual":
        if not e.get("pivotal"):
            parts.append("no single title decides it" + (" (popular)" if e.get("popular") else ""))
    else:
        parts.append("cited by text similarity (no sequence model)")
    if e.get("satisfies"):
        parts.append("as asked: " + ", ".join(e["satisfies"]))
    if e.get("provenance"):
        parts.append("found by " + ", ".join(SOURCE_LABELS.get(p, p) for p in e["provenance"]))
    rank = f" (LLM2SASRec #{base})" if base is not None else ""
    return f"- {_md(e['item'])}{rank}: " + "; ".join(parts)


def trace_markdown(trace: dict[str, Any]) -> str:
    """The "How this was chosen" panel: each stage of the last turn."""
    if not trace:
        return "_Ask for recommendations to see how they are chosen._"
    lines = ["#### 1. Understood"]
    f = trace.get("filters", {})
    parts = []
    if f.get("include_genres"):
        joiner = " or " if f.get("genre_mode") == "any" else " and "
        parts.append("genres: " + joiner.join(f["include_genres"]))
    if f.get("exclude_genres"):
        parts.append("excluded: " + ", ".join(f["exclude_genres"]))
    if f.get("prefer_genres"):
        parts.append("leaning: " + ", ".join(f["prefer_genres"]))
    years = f.get("years") or [None, None]
    if any(y is not None for y in years):
        parts.append(f"years: {years[0] or '…'}–{years[1] or '…'}")
    if f.get("query"):
        parts.append(f"semantic query: `{_md(f['query'])}`")
    if f.get("anchors"):
        parts.append("like: " + ", ".join(_md(a) for a in f["anchors"]))
    if f.get("nothing_like"):
        parts.append(
            "nothing like (it and its nearest items left out): "
            + ", ".join(_md(a) for a in f["nothing_like"])
        )
    parts.append(f"{f.get('excluded_items', 0)} items left out (history, seen, disliked)")
    lines.append("; ".join(parts))
    lines.append("\n#### 2. Retrieved (top 10 per source, after filters)")
    timings = trace.get("source_timings_ms", {})
    score_names = {"sasrec": "logit", "popular": "ratings"}
    for name, hits in trace.get("sources", {}).items():
        label = SOURCE_LABELS.get(name, name)
        took = f" ({timings[name]:.0f} ms)" if name in timings else ""
        unit = score_names.get(name, "cosine")
        shown = ", ".join(f"{_md(h['title'])} ({h['score']:g})" for h in hits)
        lines.append(f"- **{label}**{took}, score = {unit}: {shown}")
    candidates = trace.get("candidates", [])
    if candidates:
        lines.append(f"\n#### 3. Fused candidates ({len(candidates)})")
        lines.append("| # | title | fused score | sources |\n|---|---|---|---|")
        for n, c in enumerate(candidates, start=1):
            lines.append(f"| {n} | {_md(c['title'])} | {c['score']:.4f} | {', '.join(c['from'])} |")
    ranking = trace.get("ranking")
    if ranking:
        method = {
            "retrieval": "retrieval order (no LLM ranker configured)",
            "timeout": "retrieval order (the LLM timed out)",
            "error": "retrieval order (the LLM failed)",
            "retrieval_fallback": "retrieval order (nothing for the LLM to rank)",
            "llm_srec": "LLM ranking (LLM-SRec heads on the frozen LLM's reading of your "
            "history, fused with retrieval)",
            "label_logits": "LLM ranking (candidate-label scores, fused with retrieval)",
        }.get(ranking["method"], f"LLM ranking ({ranking['method']})")
        lines.append(f"\n#### 4. Ranked: {method}")
        lines.append(" → ".join(_md(t) for t in ranking["order"][:10]))
    evidence = trace.get("evidence") or []
    if evidence:
        lines.append("\n#### 5. Why (evidence behind each explanation)")
        lines.extend(_evidence_line(e) for e in evidence)
    t = trace.get("timings_ms", {})
    if t:
        lines.append("\n#### Timings")
        lines.append(" · ".join(f"{k.replace('_', ' ')} {v:.0f} ms" for k, v in t.items()))
    return "\n".join(lines)
