"""LangChain adapters: a ``SequelRetriever`` and a ``recommend`` tool over the app's ``Deps``.

Optional: needs ``langchain-core`` (``pip install -e '.[langchain]'``); nothing in the app
imports this module.

- ``SequelRetriever(deps=deps, k=10)`` is a ``BaseRetriever``: the query is the free-text
  request, the candidates come from the same retrieval as the chat (SASRec on the history,
  Chroma similarity, popularity; fused and filtered), and each ``Document`` carries the item's
  metadata (``item_id``, ``raw_id``, ``title``, ``year``, ``genres``, ``score``,
  ``provenance``). A history (a paste or item ids) and a metadata ``filter`` can be set on the
  retriever or passed per call: ``retriever.invoke("a heist", filter={"genres": ["Crime"]})``.
- ``recommend_tool(deps)`` is a tool (``history``, ``request``, ``k``) that answers with the
  JSON of the API's ``recommend`` (``recommender/api.py``), as a string.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ConfigDict, Field, field_validator

from recommender import api
from recommender.conversation.history_parser import parse_history
from recommender.conversation.orchestrator import Deps
from recommender.retrieval.candidates import RetrievalQuery
from recommender.retrieval.vectorstore import ItemFilter

__all__ = ["FILTER_KEYS", "SequelRetriever", "item_filter", "recommend_tool"]

# filter keys (they name the Documents' metadata) -> what they keep
FILTER_KEYS = {
    "genres": "items with at least one of these genres (a string or a list)",
    "genres_all": "items with every one of these genres",
    "genres_none": "items with none of these genres",
    "year_from": "items from this year on (inclusive)",
    "year_to": "items up to this year (inclusive)",
    "exclude_ids": "never these item ids",
}


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"filter {key!r} takes a string or a list of strings, not {value!r}")


def item_filter(spec: Mapping[str, Any] | None) -> ItemFilter:
    """An ``ItemFilter`` from a metadata filter dict (keys in ``FILTER_KEYS``)."""
    spec = dict(spec or {})
    unknown = sorted(set(spec) - set(FILTER_KEYS))
    if unknown:
        raise ValueError(f"unknown filter key(s) {unknown}; use {sorted(FILTER_KEYS)}")
    years = {k: int(spec[k]) for k in ("year_from", "year_to") if spec.get(k) is not None}
    return ItemFilter(
        genres_any=_strings(spec["genres"], "genres") if "genres" in spec else (),
        genres_all=_strings(spec["genres_all"], "genres_all") if "genres_all" in spec else (),
        genres_none=_strings(spec["genres_none"], "genres_none") if "genres_none" in spec else (),
        exclude_ids=frozenset(int(i) for i in spec.get("exclude_ids", ())),
        **years,
    )


class SequelRetriever(BaseRetriever):
    """Sequel's candidate retrieval as a LangChain retriever (see the module docstring)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    # the app's Deps (catalogue, retriever), built once; typed Any because pydantic cannot
    # build a schema for a dataclass whose fields are Protocols; checked below
    deps: Any
    k: int = 10  # documents per query (at most the retrieval's num_candidates)
    history: str | list[int] = ""  # a pasted history, or catalogue item ids oldest first
    filter: dict[str, Any] = Field(default_factory=dict)  # metadata filter, FILTER_KEYS

    @field_validator("deps")
    @classmethod
    def _is_deps(cls, value: Any) -> Deps:
        if not isinstance(value, Deps):
            raise TypeError(f"deps must be the app's Deps, not {type(value).__name__}")
        return value

    def _history(self, history: str | Sequence[int]) -> tuple[list[int], bool]:
        """(item ids oldest first, whether their order is real)."""
        if isinstance(history, str):
            if not history.strip():
                return [], True
            parse = parse_history(history, self.deps.catalogue, matcher=self.deps.matcher)
            return parse.item_ids, parse.dated
        return [int(i) for i in history], True

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        history: str | Sequence[int] | None = None,
        filter: Mapping[str, Any] | None = None,  # noqa: A002 (LangChain's own name)
        k: int | None = None,
    ) -> list[Document]:
        items, ordered = self._history(self.history if history is None else history)
        spec = self.filter if filter is None else filter
        found = self.deps.retriever.retrieve(
            RetrievalQuery(
                history=items, text=query or None, ordered=ordered, filters=item_filter(spec)
            )
        )
        documents = []
        for rank, candidate in enumerate(found.candidates[: k or self.k]):
            item = self.deps.catalogue.get(candidate.item_id)
            metadata = {
                "item_id": item.item_id,
                "raw_id": item.raw_id,
                "title": item.display_title,
                "year": item.year,
                "genres": list(item.genres),
                "score": candidate.score,
                "rank": rank,
                "provenance": list(candidate.provenance),
            }
            documents.append(Document(page_content=item.text, metadata=metadata))
        return documents

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        # LangChain's default drops the per-call arguments (history, filter, k)
        return await asyncio.to_thread(
            self._get_relevant_documents, query, run_manager=run_manager.get_sync(), **kwargs
        )


class RecommendInput(BaseModel):
    """Arguments of the ``recommend`` tool."""

    history: str = Field(
        default="",
        description="the user's history: titles one per line, or an export (CSV) pasted as text",
    )
    request: str = Field(default="", description="what the user asks for, in their words")
    k: int = Field(default=5, description="how many recommendations (clamped to the app's max)")


def recommend_tool(deps: Deps, name: str = "recommend") -> BaseTool:
    """A tool that answers ``api.recommend(deps, history, request, k)`` as a JSON string."""

    def recommend(history: str = "", request: str = "", k: int = 5) -> str:
        return json.dumps(api.recommend(deps, history, request, k))

    return StructuredTool.from_function(
        func=recommend,
        name=name,
        description=(
            "Recommend catalogue items from a user's history (pasted titles or an export) "
            "and a free-text request. Returns JSON: items (item_id, title, year, genres, "
            "explanation), matched_history, unmatched, notes."
        ),
        args_schema=RecommendInput,
    )
