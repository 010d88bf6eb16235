"""BERT4Rec (Sun et al., 2019) with a cloze objective, as a pure nn.Module; LLM2BERT4Rec is this
model with its item table initialised from text embeddings (Boz et al., 2024's best variant).

Same conventions as ``recommender.models.sasrec``: item ids 1..N, ``PADDING_ID`` (0) is
padding, sequences are left-padded, scores have N+1 columns with column 0 at ``-inf``. The
``[MASK]`` token has id N+1 in the input only; it is never a score column.

It fulfils the SASRec contract (``loss(batch)``, ``score_all(seqs)``, ``score(seqs, items)``,
``item_emb`` with N+1 rows, ``config.max_len``), so the same training loop, text init,
``score_histories`` and evaluation harness serve both models.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from recommender.data.catalogue import PADDING_ID
from recommender.models.sasrec import SequenceBatch


@dataclass
class BERT4RecConfig:
    num_items: int = 0  # N, real items are 1..N (0 = padding, N+1 = [MASK]); from the dataset
    max_len: int = 200  # most recent history items looked at (one more slot holds [MASK])
    hidden: int = 128  # model width d (the same as SASRec, so the same text table fits)
    num_blocks: int = 2  # transformer blocks
    num_heads: int = 2  # attention heads (hidden must be divisible by it)
    ffn_mult: int = 4  # point-wise FFN inner width = ffn_mult * hidden (BERT uses 4)
    dropout: float = 0.2  # on embeddings, attention weights and residual branches
    mask_prob: float = 0.2  # cloze: share of real positions replaced by [MASK] in training
    init_std: float = 0.02  # N(0, init_std) for embeddings and linear weights


class _Block(nn.Module):
    """Pre-LayerNorm bidirectional self-attention block with a GELU feed-forward network."""

    def __init__(self, config: BERT4RecConfig) -> None:
        super().__init__()
        d = config.hidden
        self.num_heads = config.num_heads
        self.dropout = config.dropout
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
        heads = self.num_heads
        q, k, v = self.qkv(self.ln_attn(x)).split(width, dim=2)  # 3 x (B, T, C)
        q = q.view(batch, length, heads, width // heads).transpose(1, 2)  # (B, H, T, C/H)
        k = k.view(batch, length, heads, width // heads).transpose(1, 2)  # (B, H, T, C/H)
        v = v.view(batch, length, heads, width // heads).transpose(1, 2)  # (B, H, T, C/H)
        attended = F.scaled_dot_product_attention(
            q, k, v, attn_mask=allowed, dropout_p=self.dropout if self.training else 0.0
        )  # (B, H, T, C/H)
        attended = attended.transpose(1, 2).reshape(batch, length, width)  # (B, T, C)
        x = x + self.resid_drop(self.proj(attended))  # (B, T, C)
        return x + self.resid_drop(self.ffn(self.ln_ffn(x)))  # (B, T, C)


class BERT4Rec(nn.Module):
    """Bidirectional transformer trained to fill in masked items; predicts the next item by
    appending ``[MASK]`` to the history and reading that slot.

    Departures from the paper (shared with this project's SASRec where they are the same):

    * **Loss**: full-catalogue cross-entropy at the masked positions (as the paper), computed
      only there; optional label smoothing. A training sequence that drew no mask gets its
      last item masked, so every sequence contributes and the next-item case is always seen.
    * **Masking lives in** :meth:`loss` (as in RecBole): it takes the same left-padded
      ``SequenceBatch`` as SASRec (inputs ``seq[:-1]``, targets ``seq[1:]``), rebuilds the
      window ``seq`` from it and masks with torch's generator, so training is seeded by the
      trainer's seed and needs no separate data pipeline.
    * **Padding**: padded keys are hidden from attention; a padded query attends to itself.
    * **Positions** are counted from the end (0 = the last slot, which holds ``[MASK]`` at
      prediction time), like this project's SASRec; ``max_len + 1`` position embeddings.
    * **Output layer** tied to the item table (the paper adds a projection and a bias).
    * **Blocks** are pre-LayerNorm with a final LayerNorm.
    """

    def __init__(self, config: BERT4RecConfig) -> None:
        super().__init__()
        if config.num_items < 1:
            raise ValueError("BERT4RecConfig.num_items must be set to the catalogue size")
        if config.hidden % config.num_heads:
            raise ValueError("hidden must be divisible by num_heads")
        if not 0.0 < config.mask_prob < 1.0:
            raise ValueError("mask_prob must be in (0, 1)")
        self.config = config
        self.mask_id = config.num_items + 1
        self.item_emb = nn.Embedding(config.num_items + 1, config.hidden, padding_idx=PADDING_ID)
        self.mask_emb = nn.Parameter(torch.zeros(config.hidden))  # the [MASK] token's vector
        self.pos_emb = nn.Embedding(config.max_len + 1, config.hidden)
        self.emb_drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(_Block(config) for _ in range(config.num_blocks))
        self.ln_out = nn.LayerNorm(config.hidden)
        self.label_smoothing = 0.0  # set by the trainer; a loss setting, not an architecture one
        self.apply(self._init_weights)
        nn.init.normal_(self.mask_emb, 0.0, config.init_std)

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
        """Hidden state at each slot of left-padded ``seqs`` (ids, ``mask_id`` allowed):
        (B, T) -> (B, T, C)."""
        batch, length = seqs.shape  # (B, T)
        if length > self.config.max_len + 1:
            raise ValueError(f"sequence length {length} > max_len + 1 = {self.config.max_len + 1}")
        real = seqs != PADDING_ID  # (B, T)
        masked = seqs == self.mask_id  # (B, T)
        items = self.item_emb(seqs.masked_fill(masked, PADDING_ID))  # (B, T, C)
        items = torch.where(masked[..., None], self.mask_emb, items)  # (B, T, C)
        positions = torch.arange(length - 1, -1, -1, device=seqs.device)  # (T,) 0 = last
        x = items + self.pos_emb(positions)[None]  # (B, T, C)
        x = self.emb_drop(x) * real[..., None]  # (B, T, C) padded slots zeroed
        eye = torch.eye(length, dtype=torch.bool, device=seqs.device)  # (T, T)
        allowed = (real[:, None, :] | eye[None])[:, None]  # (B, 1, T, T) query x key
        for block in self.blocks:
            x = block(x, allowed)  # (B, T, C)
        return self.ln_out(x)  # (B, T, C)

    def _with_mask_slot(self, seqs: torch.Tensor) -> torch.Tensor:
        """Append ``[MASK]`` after each left-padded history: (B, T) -> (B, T+1)."""
        slot = torch.full((seqs.shape[0], 1), self.mask_id, dtype=seqs.dtype, device=seqs.device)
        return torch.cat([seqs, slot], dim=1)  # (B, T+1)

    def last_hidden(self, seqs: torch.Tensor) -> torch.Tensor:
        """Hidden state at a ``[MASK]`` appended after the most recent item: (B, T) -> (B, C)."""
        return self(self._with_mask_slot(seqs))[:, -1]  # (B, C)

    # ----------------------------------------------------------------- contract
    def cloze(self, batch: SequenceBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """The masked inputs and their labels (PADDING_ID where nothing is to be predicted):
        window = inputs + the last target; (B, T) -> 2 x (B, T+1). Uses torch's generator."""
        window = torch.cat([batch.inputs, batch.targets[:, -1:]], dim=1)  # (B, T+1)
        real = window != PADDING_ID  # (B, T+1)
        chosen = (torch.rand(window.shape, device=window.device) < self.config.mask_prob) & real
        chosen[:, -1] |= ~chosen.any(dim=1)  # every window predicts at least its last item
        inputs = window.masked_fill(chosen, self.mask_id)  # (B, T+1)
        labels = window.masked_fill(~chosen, PADDING_ID)  # (B, T+1)
        return inputs, labels

    def loss(self, batch: SequenceBatch) -> torch.Tensor:
        """Mean cross-entropy over all N items at the masked positions of the batch."""
        inputs, labels = self.cloze(batch)  # (B, T+1) each
        hidden = self(inputs)  # (B, T+1, C)
        keep = labels != PADDING_ID  # (B, T+1)
        logits = hidden[keep] @ self.item_emb.weight[1:].T  # (P, N), P = masked positions
        return F.cross_entropy(logits, labels[keep] - 1, label_smoothing=self.label_smoothing)  # ()

    def score_all(self, seqs: torch.Tensor, mask_seen: bool = True) -> torch.Tensor:
        """Next-item scores for every item id: (B, T) -> (B, N+1); column 0 is ``-inf``, and
        with ``mask_seen`` the items present in ``seqs`` too (T <= max_len)."""
        scores = self.last_hidden(seqs) @ self.item_emb.weight.T  # (B, N+1)
        scores[:, PADDING_ID] = float("-inf")
        if mask_seen:
            scores.scatter_(1, seqs, float("-inf"))
        return scores  # (B, N+1)

    def score(self, seqs: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Scores of the given candidate items, nothing masked: (B, T), (B, K) -> (B, K)."""
        hidden = self.last_hidden(seqs)  # (B, C)
        return torch.einsum("bc,bkc->bk", hidden, self.item_emb(items))  # (B, K)
