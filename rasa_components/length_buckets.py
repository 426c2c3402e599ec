"""Batches of messages of about the same length for DIET's training.

Rasa pads every batch to its longest message. With a few hundred complaint letters of 100-300
characters among thousands of short messages, nearly every shuffled batch of 64 holds one
letter, so nearly every batch costs what a batch of letters costs. Here each epoch's shuffled
(and, with DIET's default strategy, label-balanced) examples are sorted by length into batches,
and the batches are shuffled: short messages train at their own length, and every message is
still seen once an epoch in a random batch of its length class. Ties in length keep the shuffled
order, so the many short messages still meet in random company. Intent loss compares each
message with every intent's embedding, so a batch of one length class still learns all intents.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np
from rasa.shared.nlu.constants import TEXT
from rasa.utils import train_utils
from rasa.utils.tensorflow.constants import SEQUENCE_LENGTH
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import Data, RasaModelData


def length_bucketed_order(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator, floor: int = 0
) -> np.ndarray:
    """Example indices in batches of similar length, the full batches in random order and the
    one partial batch last (Keras slices batch `i` as `[i * size, (i + 1) * size)`). Lengths up
    to `floor` count as equal, so those messages keep their shuffled order and mix freely."""
    by_length = np.argsort(np.maximum(lengths, floor), kind="stable")
    full = len(by_length) // batch_size * batch_size
    batches = by_length[:full].reshape(-1, batch_size) if full else by_length[:0].reshape(0, batch_size)
    rng.shuffle(batches)
    return np.concatenate([batches.reshape(-1), by_length[full:]])


class LengthBucketedBatchGenerator(RasaBatchDataGenerator):
    """Rasa's batch generator (increasing batch size, shuffling, balancing) with each epoch's
    batches cut from examples sorted by length, all up to `length_floor` tokens counting as one."""

    def __init__(self, *args: Any, length_floor: int = 0, **kwargs: Any) -> None:
        # Rasa's constructor already prepares the first epoch
        self.length_floor = length_floor
        super().__init__(*args, **kwargs)

    def _shuffle_and_balance(self, batch_size: int) -> Data:
        data = super()._shuffle_and_balance(batch_size)
        lengths_features = data.get(TEXT, {}).get(SEQUENCE_LENGTH)
        if not lengths_features or batch_size <= 0:
            return data
        lengths = np.asarray(lengths_features[0], dtype=np.int64).reshape(-1)
        # np.random is the generator Rasa seeds from the component's random_seed
        rng = np.random.default_rng(np.random.randint(0, 2**31 - 1))
        return RasaModelData._data_for_ids(
            data, length_bucketed_order(lengths, batch_size, rng, self.length_floor)
        )


@contextmanager
def length_bucketed_batches(length_floor: int = 0) -> Iterator[None]:
    """Within the block, Rasa's training builds its batch generators bucketed by length
    (`train_utils.create_data_generators` looks the class up in its module at each call)."""
    rasa_generator = train_utils.RasaBatchDataGenerator
    train_utils.RasaBatchDataGenerator = partial(LengthBucketedBatchGenerator, length_floor=length_floor)
    try:
        yield
    finally:
        train_utils.RasaBatchDataGenerator = rasa_generator
