"""Sequential recommenders: SASRec and its LLM2SASRec (text-embedding) initialisation."""

from recommender.models.sasrec import (
    SASRec,
    SASRecConfig,
    SequenceBatch,
    left_pad,
    mask_items,
    score_histories,
)
from recommender.models.text_init import init_item_embeddings, pca_reduce, text_embedding_table

__all__ = [
    "SASRec",
    "SASRecConfig",
    "SequenceBatch",
    "init_item_embeddings",
    "left_pad",
    "mask_items",
    "pca_reduce",
    "score_histories",
    "text_embedding_table",
]
