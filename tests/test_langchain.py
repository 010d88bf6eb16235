"""The LangChain retriever and tool, called through LangChain's own interfaces."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("langchain_core")

from langchain_core.documents import Document  # noqa: E402
from langchain_core.messages import ToolMessage  # noqa: E402
from langchain_core.retrievers import BaseRetriever  # noqa: E402
from langchain_core.tools import BaseTool  # noqa: E402

from recommender import api  # noqa: E402
from recommender.integrations.langchain import (  # noqa: E402
    SequelRetriever,
    item_filter,
    recommend_tool,
)

ROOT = Path(__file__).resolve().parents[1]
HISTORY = "Heat (1995)\nFargo\nPulp Fiction\n"


@pytest.fixture
def deps(make_deps):
    return make_deps()


def test_retriever_returns_documents_with_item_metadata(deps) -> None:
    retriever = SequelRetriever(deps=deps, k=5, history=HISTORY)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("a crime story")
    assert 0 < len(docs) <= 5 and all(isinstance(d, Document) for d in docs)
    seen = {deps.catalogue.by_title(t)[0].item_id for t in ("Heat (1995)", "Fargo", "Pulp Fiction")}
    for rank, doc in enumerate(docs):
        item = deps.catalogue.get(doc.metadata["item_id"])
        assert doc.page_content == item.text and doc.metadata["rank"] == rank
        assert doc.metadata["title"] == item.display_title
        assert doc.metadata["genres"] == list(item.genres) and doc.metadata["year"] == item.year
        assert doc.metadata["raw_id"] == item.raw_id and doc.metadata["provenance"]
    assert not seen & {d.metadata["item_id"] for d in docs}  # the history is never proposed
    assert [d.metadata["score"] for d in docs] == sorted(
        (d.metadata["score"] for d in docs), reverse=True
    )


def test_the_same_candidates_as_the_chat_retrieval(deps) -> None:
    from recommender.retrieval.candidates import RetrievalQuery

    docs = SequelRetriever(deps=deps, k=12).invoke("space adventure", history=[5, 6, 7])
    direct = deps.retriever.retrieve(RetrievalQuery(history=[5, 6, 7], text="space adventure"))
    assert [d.metadata["item_id"] for d in docs] == [c.item_id for c in direct.candidates]


def test_metadata_filters_per_call_and_on_the_retriever(deps) -> None:
    retriever = SequelRetriever(deps=deps, k=12)
    docs = retriever.invoke("something scary", filter={"genres": "Horror"})
    assert docs and all("Horror" in d.metadata["genres"] for d in docs)
    docs = retriever.invoke("anything", filter={"genres_none": ["Drama"], "year_from": 1990})
    assert docs and all(
        "Drama" not in d.metadata["genres"] and d.metadata["year"] >= 1990 for d in docs
    )
    fixed = SequelRetriever(deps=deps, k=12, filter={"year_to": 1980, "exclude_ids": [8]})
    docs = fixed.invoke("")
    assert docs and all(d.metadata["year"] <= 1980 and d.metadata["item_id"] != 8 for d in docs)
    assert len(retriever.invoke("anything", k=3)) == 3
    assert len(asyncio.run(retriever.ainvoke("anything", k=2))) == 2


def test_unknown_filter_keys_are_refused(deps) -> None:
    with pytest.raises(ValueError, match="unknown filter key"):
        SequelRetriever(deps=deps).invoke("x", filter={"genre": "Horror"})
    with pytest.raises(ValueError, match="string or a list"):
        item_filter({"genres": 3})


def test_recommend_tool_answers_the_api_json(deps) -> None:
    tool = recommend_tool(deps)
    assert isinstance(tool, BaseTool) and tool.name == "recommend"
    assert set(tool.args) == {"history", "request", "k"}
    out = json.loads(tool.invoke({"history": HISTORY, "request": "no horror", "k": 3}))
    assert out == api.recommend(deps, HISTORY, "no horror", 3)
    assert len(out["items"]) == 3 and out["matched_history"]
    assert all("Horror" not in item["genres"] for item in out["items"])


def test_recommend_tool_as_a_model_tool_call(deps) -> None:
    call = {
        "name": "recommend",
        "args": {"history": HISTORY, "request": "", "k": 2},
        "id": "call-1",
        "type": "tool_call",
    }
    message = recommend_tool(deps).invoke(call)
    assert isinstance(message, ToolMessage) and message.tool_call_id == "call-1"
    assert len(json.loads(message.content)["items"]) == 2


def test_the_app_does_not_import_langchain() -> None:
    code = (
        "import sys, app, recommender.api, recommender.serving, recommender.cli; "
        "print(sorted(m for m in sys.modules if m.startswith('langchain')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
