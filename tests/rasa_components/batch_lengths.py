"""Run by the Rasa environment's Python for tests/rasa_components: builds DIET-shaped model
data of messages of the given token lengths, runs the length-bucketed batch generator for the
given epochs and prints, as JSON, the lengths in each batch of each epoch.

usage: batch_lengths.py STRATEGY EPOCHS BATCH_SIZE LENGTH...   (STRATEGY: sequence or balanced)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

import numpy as np  # noqa: E402
import scipy.sparse  # noqa: E402
from rasa.shared.nlu.constants import TEXT  # noqa: E402
from rasa.utils import train_utils  # noqa: E402
from rasa.utils.tensorflow.constants import LABEL, SEQUENCE, SEQUENCE_LENGTH  # noqa: E402
from rasa.utils.tensorflow.model_data import FeatureArray, RasaModelData  # noqa: E402

from rasa_components.length_buckets import length_bucketed_batches  # noqa: E402


def _model_data(lengths: list[int]) -> RasaModelData:
    sequences = np.array(
        [scipy.sparse.coo_matrix(np.full((length, 3), index + 1.0)) for index, length in enumerate(lengths)],
        dtype=object,
    )
    labels = np.array([[index % 2] for index in range(len(lengths))], dtype=np.int64)
    data = RasaModelData(
        label_key=LABEL,
        label_sub_key="ids",
        data={
            TEXT: {SEQUENCE: [FeatureArray(sequences, number_of_dimensions=3)]},
            LABEL: {"ids": [FeatureArray(labels, number_of_dimensions=2)]},
        },
    )
    data.add_lengths(TEXT, SEQUENCE_LENGTH, TEXT, SEQUENCE)
    return data


def main() -> None:
    strategy = sys.argv[1]
    epochs, batch_size, *lengths = (int(arg) for arg in sys.argv[2:])
    np.random.seed(42)
    with length_bucketed_batches():
        generator, _ = train_utils.create_data_generators(_model_data(lengths), batch_size, epochs, strategy)
    batches_per_epoch = []
    for _ in range(epochs):
        batches = []
        for index in range(len(generator)):
            batch, _target = generator[index]
            # the sparse sequence feature comes as (indices, values, shape); every value of one
            # message is its position + 1, so a batch's messages are read back from the values
            indices, values, _shape = batch[0], batch[1], batch[2]
            per_message = {int(i): int(v) for (i, *_), v in zip(indices, values, strict=True)}
            batches.append([lengths[message - 1] for _, message in sorted(per_message.items())])
        batches_per_epoch.append(batches)
        generator.on_epoch_end()
    print(json.dumps({"generator": type(generator).__name__, "epochs": batches_per_epoch}))


if __name__ == "__main__":
    main()
