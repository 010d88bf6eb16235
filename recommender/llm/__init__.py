"""LLM ranking and explanation: backends, candidate-constrained ranker, grounded explainer."""
