"""SASRec (Kang & McAuley, 2018) trained with full-catalogue cross-entropy, as a pure nn.Module.

Tensors in, tensors out: no I/O, no argparse, no numpy inside ``forward``. The training loop
(``recommender.training``) owns batching, schedules and checkpoints.

Conventions used throughout:
  * item ids are dense 1..N, ``PADDING_ID`` (0) is padding;
  * sequences are **left-padded**, so the most recent item is always the last column;
  * scores have N+1 columns indexed by item id; column 0 (padding) is always ``-inf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from recommender.data.catalogue import PADDING_ID


@dataclass
class SASRecConfig:
    num_items: int = 0  # N, real items are 1..N (0 = padding); filled in from the dataset
    max_len: int = 200  # most recent items the model looks at; longer histories are cut
    hidden: int = 128  # model width d (item and position embeddings, attention, FFN)
    num_blocks: int = 2  # transformer blocks
    num_heads: int = 1  # attention heads (hidden must be divisible by it)
    ffn_mult: int = 1  # point-wise FFN inner width = ffn_mult * hidden (the paper uses 1)
    dropout: float = 0.2  # on embeddings, attention weights and residual branches
    # dropout on the attention weights alone; None = ``dropout``. 0 lets scaled_dot_product_
    # attention skip its (B, T, T) random mask and use the fused kernel (a cheaper step)
    attn_dropout: float | None = None
    init_std: float = 0.02  # N(0, init_std) for embeddings and linear weights


@dataclass
class SequenceBatch:
    """A training batch of left-padded next-item examples."""

    inputs: torch.Tensor  # (B, T) item ids, PADDING_ID on the left
    targets: torch.Tensor  # (B, T) next item at each position, PADDING_ID where there is none
    # sampled softmax: item ids shared by every position as negatives; None = all N items
    negatives: torch.Tensor | None = None  # (K,)
    # log of each negative's expected count in the sample (logQ correction), e.g. log(K/N)
    negative_log_q: torch.Tensor | None = None  # (K,)


class _Block(nn.Module):
    """Pre-LayerNorm self-attention block with a point-wise feed-forward network."""

    def __init__(self, config: SASRecConfig) -> None:
        super().__init__()
        d = config.hidden
        self.num_heads = config.num_heads
        self.attn_dropout = config.dropout if config.attn_dropout is None else config.attn_dropout
        self.ln_attn = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln_ffn = nn.LayerNorm(d)
        self.ffn = nn.Sequential(
            nn.Linear(d, config.ffn_mult * d),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.ffn_mult * d, d),
        )
        self.resid_drop = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape  # (B, T, C)
        q, k, v = self.qkv(self.ln_attn(x)).split(width, dim=2)  # 3 x (B, T, C)
        heads = self.num_heads
        q = q.view(batch, length, heads, width // heads).transpose(1, 2)  # (B, H, T, C/H)
        k = k.view(batch, length, heads, width // heads).transpose(1, 2)  # (B, H, T, C/H)
        v = v.view(batch, length, heads, width // heads).transpose(1, 2)  # (B, H, T, C/H)
        attended = F.scaled_dot_product_attention(
            q, k, v, attn_mask=allowed, dropout_p=self.attn_dropout if self.training else 0.0
        )  # (B, H, T, C/H)
        attended = attended.transpose(1, 2).reshape(batch, length, width)  # (B, T, C)
        x = x + self.resid_drop(self.proj(attended))  # (B, T, C)
        return x + self.resid_drop(self.ffn(self.ln_ffn(x)))  # (B, T, C)


class SASRec(nn.Module):
    """Self-attentive sequential recommender with a tied item embedding as output layer.

    Departures from the SASRec paper (all deliberate, all measured or standard since):

    * **Loss**: cross-entropy over the whole catalogue at every real position (the "SASRec+"
      / CE variant, Klenitskiy & Vasilev 2023) instead of binary cross-entropy with one
      sampled negative; optional label smoothing. The logits are computed only at non-padded
      positions (``h[keep] @ E.T``), which halves the cost of the output layer. Optionally
      (a batch with ``negatives``) a sampled softmax over the target and K negatives shared
      by the whole batch, with the logQ correction (Jean et al. 2015; gSASRec and
      Klenitskiy & Vasilev use the same idea to cut the output layer's cost).
    * **Padding**: padded keys are hidden from attention (not only padded losses), so a
      history scores the same whatever padding its batch has; a padded query attends to
      itself only so that no attention row is empty.
    * **Positions** are counted from the most recent item (position 0 = last item). With
      left padding to a fixed 200 this equals the paper's absolute positions; with
      length-bucketed batches it keeps the meaning of each position embedding fixed.
    * **Blocks** are pre-LayerNorm with GELU (the paper: post-residual LayerNorm, ReLU), plus
      a final LayerNorm; attention uses ``scaled_dot_product_attention``.
    * **Init**: every embedding and linear weight ~ N(0, ``init_std``), biases zero, padding
      row zero. The item table can be overwritten by text embeddings (LLM2SASRec,
      ``recommender.models.text_init``) before training.
    * **No sqrt(d) scaling** of the item embeddings at the input.
    """

    def __init__(self, config: SASRecConfig) -> None:
        super().__init__()
        if config.num_items < 1:
            raise ValueError("SASRecConfig.num_items must be set to the catalogue size")
        if config.hidden % config.num_heads:
            raise ValueError("hidden must be divisible by num_heads")
        self.config = config
        self.item_emb = nn.Embedding(config.num_items + 1, config.hidden, padding_idx=PADDING_ID)
        self.pos_emb = nn.Embedding(config.max_len, config.hidden)
        self.emb_drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(_Block(config) for _ in range(config.num_blocks))
        self.ln_out = nn.LayerNorm(config.hidden)
        self.label_smoothing = 0.0  # set by the trainer; a loss setting, not an architecture one
        self.apply(self._init_weights)

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0.0, self.config.init_std)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, 0.0, self.config.init_std)
            if module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()

    # ------------------------------------------------------------------ encoder
    def forward(self, seqs: torch.Tensor) -> torch.Tensor:
        """Hidden state after each position of left-padded ``seqs`` (B, T) -> (B, T, C)."""
        batch, length = seqs.shape  # (B, T)
        if length > self.config.max_len:
            raise ValueError(f"sequence length {length} > max_len {self.config.max_len}")
        real = seqs != PADDING_ID  # (B, T)
        positions = torch.arange(length - 1, -1, -1, device=seqs.device)  # (T,) 0 = last
        x = self.item_emb(seqs) + self.pos_emb(positions)[None]  # (B, T, C)
        x = self.emb_drop(x) * real[..., None]  # (B, T, C) padded positions zeroed
        causal = torch.ones(length, length, dtype=torch.bool, device=seqs.device).tril()  # (T, T)
        eye = torch.eye(length, dtype=torch.bool, device=seqs.device)  # (T, T)
        allowed = (causal[None] & real[:, None, :]) | eye[None]  # (B, T, T) query x key
        allowed = allowed[:, None]  # (B, 1, T, T) broadcast over heads
        for block in self.blocks:
            x = block(x, allowed)  # (B, T, C)
        return self.ln_out(x)  # (B, T, C)

    def last_hidden(self, seqs: torch.Tensor) -> torch.Tensor:
        """Hidden state after the most recent item (the last column): (B, T) -> (B, C)."""
        return self(seqs)[:, -1]  # (B, C)

    # ----------------------------------------------------------------- contract
    def loss(self, batch: SequenceBatch) -> torch.Tensor:
        """Mean cross-entropy of the next item at real positions only: over all N items, or
        over the target and the batch's shared ``negatives`` (sampled softmax)."""
        hidden = self(batch.inputs)  # (B, T, C)
        keep = batch.targets != PADDING_ID  # (B, T)
        if batch.negatives is not None:
            return self._sampled_loss(hidden[keep], batch.targets[keep], batch)
        logits = hidden[keep] @ self.item_emb.weight[1:].T  # (P, N), P = real positions
        return F.cross_entropy(
            logits, batch.targets[keep] - 1, label_smoothing=self.label_smoothing
        )  # ()

    def _sampled_loss(
        self, hidden: torch.Tensor, targets: torch.Tensor, batch: SequenceBatch
    ) -> torch.Tensor:
        """Sampled softmax: class 0 is the target, then the K shared negatives, whose logits
        are corrected by ``- negative_log_q``; a negative equal to the position's target (an
        accidental hit) is left out of that position's softmax and of its label smoothing.

        With every item as a negative and ``negative_log_q`` = 0 this is exactly the full
        cross-entropy (label smoothing included).
        """
        negatives = batch.negatives  # (K,)
        log_q = batch.negative_log_q
        if log_q is None:
            log_q = torch.zeros(len(negatives), dtype=hidden.dtype, device=hidden.device)
        positive = (hidden * self.item_emb(targets)).sum(-1, keepdim=True)  # (P, 1)
        negative = hidden @ self.item_emb(negatives).T - log_q  # (P, K)
        hit = targets[:, None] == negatives[None]  # (P, K)
        logits = torch.cat([positive, negative.masked_fill(hit, float("-inf"))], 1)  # (P, 1+K)
        log_p = torch.log_softmax(logits, dim=1)  # (P, 1+K)
        nll = -log_p[:, 0]  # (P,)
        if not self.label_smoothing:
            return nll.mean()  # ()
        classes = 1 + (~hit).sum(1)  # (P,) target + negatives that are not the target
        negatives_nll = -log_p[:, 1:].masked_fill(hit, 0.0).sum(1)  # (P,)
        smooth = (nll + negatives_nll) / classes  # (P,) mean -log p over the classes
        eps = self.label_smoothing
        return ((1 - eps) * nll + eps * smooth).mean()  # ()

    def score_all(self, seqs: torch.Tensor, mask_seen: bool = True) -> torch.Tensor:
        """Next-item scores for every item id: (B, T) -> (B, N+1).

        Column 0 (padding) is ``-inf``; with ``mask_seen`` the items present in ``seqs`` are
        ``-inf`` too. Histories longer than ``max_len`` must be cut by the caller, who must
        then also mask the older items: :func:`score_histories` does both.
        """
        scores = self.last_hidden(seqs) @ self.item_emb.weight.T  # (B, N+1)
        scores[:, PADDING_ID] = float("-inf")
        if mask_seen:
            scores.scatter_(1, seqs, float("-inf"))  # padding ids hit column 0 again: harmless
        return scores  # (B, N+1)

    def score(self, seqs: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Scores of the given candidate items, nothing masked: (B, T), (B, K) -> (B, K)."""
        hidden = self.last_hidden(seqs)  # (B, C)
        candidates = self.item_emb(items)  # (B, K, C)
        return torch.einsum("bc,bkc->bk", hidden, candidates)  # (B, K)


def left_pad(histories: Sequence[Sequence[int]], max_len: int) -> torch.Tensor:
    """Keep the last ``max_len`` items of each history and left-pad to the longest: (B, T)."""
    cut = [list(h)[-max_len:] for h in histories]
    length = max(1, max(len(h) for h in cut)) if cut else 1
    out = torch.full((len(cut), length), PADDING_ID, dtype=torch.long)  # (B, T)
    for row, items in enumerate(cut):
        if items:
            out[row, length - len(items) :] = torch.tensor(items, dtype=torch.long)
    return out


def mask_items(scores: torch.Tensor, histories: Sequence[Sequence[int]]) -> torch.Tensor:
    """Set every item of each (full, uncut) history and the padding column to ``-inf``, in place."""
    rows = [r for r, h in enumerate(histories) for _ in h]
    cols = [i for h in histories for i in h]
    if rows:
        scores[torch.tensor(rows), torch.tensor(cols)] = float("-inf")
    scores[:, PADDING_ID] = float("-inf")
    return scores  # (B, N+1)


def order_free_scores(
    model: SASRec, history: Sequence[int], permutations: int, seed: int = 0
) -> torch.Tensor:
    """Log-softmax scores of one history averaged over ``permutations`` random orders: (N+1,).

    A typed list ("Heat, Fargo, Alien") is no time line, yet SASRec reads its last item as the
    latest watch and leans on it; averaging over orders removes that arbitrary lean. Seen
    items stay ``-inf``. The orders come from ``seed``, so one history always scores the same.
    """
    scores = score_histories(model, order_free_orders(history, permutations, seed))  # (P, N+1)
    return torch.log_softmax(scores, dim=1).mean(dim=0)  # (N+1,)


def order_free_orders(history: Sequence[int], permutations: int, seed: int = 0) -> list[list[int]]:
    """The ``permutations`` orders :func:`order_free_scores` reads a typed list in: random
    orders of its sorted items from ``seed`` (the same items typed in any order score the
    same, and the explanations' leave-one-out reads the list as the retriever did)."""
    generator = torch.Generator().manual_seed(seed)
    canonical = sorted(history)
    return [
        [canonical[i] for i in torch.randperm(len(canonical), generator=generator).tolist()]
        for _ in range(permutations)
    ]


def score_histories(
    model: SASRec, histories: Sequence[Sequence[int]], exclude_seen: bool = True
) -> torch.Tensor:
    """Scores over the catalogue for pasted histories of any length: -> (B, N+1).

    Works for users the model never saw (SASRec only needs the item ids). A history longer
    than ``max_len`` keeps its most recent ``max_len`` items; with ``exclude_seen`` every item
    of the full history (and padding) is ``-inf``, so it can never be recommended. An empty
    history is allowed and scores from the position embedding alone. The model is put in
    eval mode for the call and restored afterwards.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            seqs = left_pad(histories, model.config.max_len)  # (B, T)
            scores = model.score_all(seqs.to(model.item_emb.weight.device), mask_seen=False)
            scores = scores.float().cpu()  # (B, N+1)
    finally:
        model.train(was_training)
    if exclude_seen:
        mask_items(scores, histories)
    else:
        scores[:, PADDING_ID] = float("-inf")
    return scores  # (B, N+1)
