"""Build the read-only ``Deps`` every chat session shares: data, store, models, LLM.

Called once at app start (never at import). Each step reuses its cache; anything missing
is prepared with progress shown. A missing optional part (the SASRec checkpoint, the LLM)
degrades the app and says so in the log instead of failing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from recommender.config import Config
from recommender.conversation.orchestrator import Deps, Ranker
from recommender.data import Dataset
from recommender.digest import artifact_digest
from recommender.embeddings import item_embeddings
from recommender.llm.backends import BackendError, LLMBackend, make_backend
from recommender.llm.evidence import EvidenceBuilder, EvidenceConfig
from recommender.llm.explainer import Explainer
from recommender.llm.ranker import LLMRanker
from recommender.llm.realiser import Realiser
from recommender.llm.srec import load_srec_ranker, srec_wanted
from recommender.models.sasrec import SASRec
from recommender.retrieval.candidates import CandidateRetriever
from recommender.retrieval.cooccurrence import CoOccurrence
from recommender.retrieval.prepare import prepare_retrieval
from recommender.wording import PersonaSpec, catalogue_personas, words_for

log = logging.getLogger(__name__)


@dataclass
class ServingInfo:
    """What the running app is made of, for the UI's footer and the logs."""

    dataset: str
    items: int
    sasrec: str  # checkpoint name, or why there is none
    ranking: str  # "LLM labels (<model>)", "LLM-SRec heads ...", or "retrieval order"
    explanations: str  # "LLM (<model>)" or "templates"
    startup_s: float
    # demo personas from the catalogue's own customers (empty: the built-in film personas)
    personas: list[PersonaSpec] = field(default_factory=list)


def popularity(dataset: Dataset) -> np.ndarray:
    """(N + 1,) interaction counts per item id (index 0 = padding, always 0)."""
    counts = np.zeros(dataset.num_items + 1, dtype=np.float64)
    for seq in dataset.sequences:
        np.add.at(counts, seq, 1.0)
    return counts


def load_sasrec(path: Path, num_items: int) -> tuple[SASRec | None, str]:
    """The LLM2SASRec retriever from ``path``; ``None`` with a reason if unusable."""
    if not Path(path).exists():
        return None, f"no checkpoint at {path} (run: python -m recommender train)"
    from recommender.training import load_checkpoint

    model, _ = load_checkpoint(path)
    if model.config.num_items != num_items:
        return (
            None,
            f"{Path(path).name} was trained on {model.config.num_items} items, not {num_items}",
        )
    return model, Path(path).name


def _realiser_backend(config: Config, shared: LLMBackend, progress: bool) -> LLMBackend:
    """The explainer's own local model with the realiser adapter merged (``finetune-explainer``);
    the shared backend if that cannot be loaded (an OpenAI-compatible server has no adapter)."""
    llm = config.llm
    if llm.backend != "local":
        return shared
    try:
        realiser = replace(
            llm,
            adapter_path=llm.explain_adapter_path,
            repetition_penalty=llm.realiser_repetition_penalty,
        )
        return make_backend(realiser, progress=progress)
    except (BackendError, OSError, ValueError) as exc:
        log.warning("explainer adapter unusable, wording zero-shot: %s", exc)
        return shared


def build_deps(config: Config, progress: bool = True) -> tuple[Deps, ServingInfo]:
    started = time.perf_counter()
    if config.app.torch_threads:
        import torch

        torch.set_num_threads(config.app.torch_threads)  # process-wide, before any model runs
    dataset, store = prepare_retrieval(config.data.dataset, config, progress)
    words = words_for(config.data.dataset, config.data.kind)
    vectors = item_embeddings(dataset.catalogue, store.embedder, config.data.cache_dir, progress)
    sasrec, sasrec_info = load_sasrec(config.app.sasrec_checkpoint, dataset.num_items)
    if sasrec is None:
        log.warning("LLM2SASRec retriever disabled: %s", sasrec_info)
    retriever = CandidateRetriever(
        dataset.catalogue, store, vectors, popularity(dataset), sasrec, config.retrieval
    )
    llm_config = config.llm
    want_labels = config.app.llm_ranking == "on" or (
        config.app.llm_ranking == "auto" and llm_config.adapter_path is not None
    )
    want_srec = not want_labels and srec_wanted(config.app.llm_ranking, llm_config)
    backend = None
    if want_labels or want_srec or config.app.llm_explanations:
        try:
            backend = make_backend(llm_config, progress=progress)
        except BackendError as exc:
            log.warning("LLM unavailable, using retrieval order and templates: %s", exc)
    ranker: Ranker | None = None
    ranking_info = "retrieval order"
    if backend is not None and want_labels:
        ranker = LLMRanker(backend, dataset.catalogue, llm_config)
        ranking_info = f"LLM labels ({backend.name})"
    elif backend is not None and want_srec:
        ranker, why = load_srec_ranker(
            Path(llm_config.srec_head),  # type: ignore[arg-type]
            backend,
            dataset.catalogue,
            llm_config.cache_dir,
            progress,
            sasrec_digest=artifact_digest(config.app.sasrec_checkpoint) if sasrec else None,
        )
        if ranker is None:
            log.warning("LLM-SRec ranking disabled: %s", why)
        else:
            ranking_info = f"{why} on {backend.name}"
    evidence = EvidenceBuilder(
        sasrec,  # counterfactual evidence from the retriever itself; similarity without it
        CoOccurrence.from_sequences(dataset.sequences, dataset.num_items),
        vectors,
        EvidenceConfig(max_cited=llm_config.evidence_items),
    )
    explain_backend = backend if config.app.llm_explanations else None
    if explain_backend is not None and llm_config.explain_adapter_path is not None:
        explain_backend = _realiser_backend(config, explain_backend, progress)
    explainer = Explainer(
        explain_backend,
        dataset.catalogue,
        llm_config,
        vectors,
        evidence_builder=evidence,
        # a shop's explanations say "shoppers" and "bought", not "viewers" and "watched"
        realiser=Realiser.from_prompt_dir(llm_config.prompt_dir, words.kind),
    )
    backend_name = getattr(explain_backend or backend, "name", llm_config.model)
    info = ServingInfo(
        dataset=dataset.name,
        items=dataset.num_items,
        sasrec=sasrec_info,
        ranking=ranking_info,
        explanations=f"LLM ({backend_name})"
        if backend and config.app.llm_explanations
        else "templates",
        startup_s=round(time.perf_counter() - started, 1),
        personas=catalogue_personas(dataset) if words.kind != "movies" else [],
    )
    log.info("ready in %.1fs: %s", info.startup_s, info)
    deps = Deps(dataset.catalogue, retriever, explainer, ranker, config.chat, words=words)
    return deps, info
