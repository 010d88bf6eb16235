"""Candidate retrieval: the Chroma item store and (later) candidate fusion."""
