"""Datasets: sources (MovieLens, your own CSV), the Catalogue, sequences and splits."""

from recommender.data.catalogue import PADDING_ID, Catalogue, Item
from recommender.data.dataset import Dataset, LeaveOneOut
from recommender.data.loader import dataset_key, known_datasets, load_dataset

__all__ = [
    "PADDING_ID",
    "Catalogue",
    "Dataset",
    "Item",
    "LeaveOneOut",
    "dataset_key",
    "known_datasets",
    "load_dataset",
]
