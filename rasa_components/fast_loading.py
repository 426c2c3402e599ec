"""DIETClassifier and TEDPolicy that load a trained model without tracing its training graph.

Rasa's `RasaModel.load` builds the weights by fitting the model on one example: TensorFlow
traces the whole training graph (forward pass, gradients, optimizer) only for the weights to be
overwritten from the checkpoint right after, and then traces the prediction graph. On 2 idle
CPU cores that took 35-53 s for DIET and 17-27 s for TED, most of the Rasa server's start.

Here the checkpoint is read first and only the prediction graph is traced (3-4 s each):
each variable the trace creates is restored from the checkpoint as it is created (TensorFlow's
deferred restoration), and the load fails unless every one of them was. Tracing builds both
branches of every conditional, so no variable is left to be created after Rasa has removed the
unpacked model. The prediction step is traced without AutoGraph, whose rewriting of every
function it calls took half of the trace: Rasa's prediction code branches on its configuration
only (tensor conditions are explicit `tf.cond`s; tracing would fail otherwise), so the graph
is the same op for op. Predictions are the same as after Rasa's load, and so is the time per
message, because the prediction graph stays compiled: predicting eagerly would load in under a
second but made each message about nine times slower. Training, and loading a model to
fine-tune it, are Rasa's own.
"""

from __future__ import annotations

import warnings
from typing import Any

import tensorflow as tf
from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

# Rasa's recipe validator looks for DIETClassifier by its exact class, so at every training it
# would warn that nothing extracts the annotated entities or uses the lookup tables, although
# FastLoadingDIETClassifier does both.
warnings.filterwarnings(
    "ignore",
    message="You have defined training data consisting of (entity examples|lookup tables), "
    "but your NLU configuration does not include",
    category=UserWarning,
)


class _LoadsForPrediction(RasaModel):
    @classmethod
    def load(
        cls,
        model_file_name: str,
        model_data_example: RasaModelData,
        predict_data_example: RasaModelData | None = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        if finetune_mode or predict_data_example is None:
            # fine-tuning goes on training: it needs the training graph and the optimizer's state
            return super().load(
                model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        model = cls(*args, **kwargs)
        restored = model.load_weights(model_file_name)
        model.run_inference(predict_data_example)
        # the optimizer and the training-only layers are never built, so their values stay unread
        restored.expect_partial()
        restored.assert_existing_objects_matched()
        return model

    @tf.autograph.experimental.do_not_convert
    def predict_step(self, batch_in: tuple[Any, ...]) -> dict[str, Any]:
        return super().predict_step(batch_in)


class _DIETLoadedForPrediction(_LoadsForPrediction, DIET):
    pass


class _TEDLoadedForPrediction(_LoadsForPrediction, TED):
    pass


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class FastLoadingDIETClassifier(DIETClassifier):
    """DIETClassifier whose trained model loads without tracing the training graph. Only the
    Keras model's `load` differs, so training is exactly Rasa's."""

    @staticmethod
    def model_class() -> type[RasaModel]:
        return _DIETLoadedForPrediction


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class FastLoadingTEDPolicy(TEDPolicy):
    """TEDPolicy whose trained model loads without tracing the training graph. Only the Keras
    model's `load` differs, so training is exactly Rasa's."""

    @staticmethod
    def model_class() -> type[TED]:
        return _TEDLoadedForPrediction
