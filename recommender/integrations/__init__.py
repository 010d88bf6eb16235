"""Adapters for other frameworks: each needs its own optional extra; the app imports none."""
