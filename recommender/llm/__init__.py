"""LLM ranking and explanation: backends, candidate-constrained ranker, grounded explainer.

Build once at start-up and share: ``backend = make_backend(config)``,
``LLMRanker(backend, catalogue, config)``, ``Explainer(backend, catalogue, config, vectors)``.
"""

from recommender.llm.backends import BackendError, LLMBackend, make_backend
from recommender.llm.config import LLMConfig
from recommender.llm.explainer import Evidence, Explainer, Explanation
from recommender.llm.ranker import Candidate, LLMRanker, RankedItem, Ranking

__all__ = [
    "BackendError",
    "Candidate",
    "Evidence",
    "Explainer",
    "Explanation",
    "LLMBackend",
    "LLMConfig",
    "LLMRanker",
    "RankedItem",
    "Ranking",
    "make_backend",
]
