"""Typed configuration of the LLM ranker, explainer, backends and LoRA fine-tuning."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

# LLMConfig lives with every other config section; re-exported here for the llm package
from recommender.config import LABELS, SMOLLM2_GGUF, LLMConfig

__all__ = ["LABELS", "SMOLLM2_GGUF", "LLMConfig", "PromptTemplate", "load_prompt"]


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt file with named ``{placeholders}``; formatting checks the names."""

    name: str
    text: str

    @property
    def fields(self) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(self.text) if f}

    def format(self, **values: object) -> str:
        missing = self.fields - values.keys()
        if missing:
            raise KeyError(f"prompt {self.name!r} needs {sorted(missing)}")
        return self.text.format(**{k: v for k, v in values.items() if k in self.fields})


def load_prompt(prompt_dir: Path, name: str) -> PromptTemplate:
    """``<prompt_dir>/<name>.txt`` without its final newline."""
    path = Path(prompt_dir) / f"{name}.txt"
    try:
        return PromptTemplate(name, path.read_text(encoding="utf-8").rstrip("\n"))
    except OSError as exc:
        raise FileNotFoundError(f"prompt file {path} is missing") from exc
