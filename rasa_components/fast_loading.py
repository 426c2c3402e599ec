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
second but made each message about nine times slower. Loading a model to fine-tune it is
Rasa's own, and so is training, but for DIET's batches (cut by length, length_buckets.py) and
one trace of the train step instead of two: the weights and the optimizer's slots are made by
an eager forward pass before fitting, and the step is traced without AutoGraph, for the same
reason as the prediction step (DIET's training 3 min 16 s instead of 4 min 24 s).
"""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import Any

import tensorflow as tf
from rasa.core.featurizers.precomputation import MessageContainerForCoreFeaturization
from rasa.core.policies.policy import PolicyPrediction, SupportedData
from rasa.core.policies.ted_policy import TED, TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

from rasa_components.length_buckets import length_bucketed_batches
from rasa_components.prediction_cache import (
    DEFAULT_PREDICTION_CACHE_SIZE,
    PREDICTION_CACHE_SIZE,
    PredictionCache,
    states_key,
)

LENGTH_BUCKETED_BATCHES = "length_bucketed_batches"
# messages up to this many tokens (nine in ten of data/nlu) share randomly mixed batches
LENGTH_BUCKET_FLOOR = "length_bucket_floor"

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

    @tf.autograph.experimental.do_not_convert
    def train_step(self, batch_in: tuple[Any, ...]) -> dict[str, Any]:
        return super().train_step(batch_in)

    def fit(self, x: Any = None, *args: Any, **kwargs: Any) -> Any:
        self._build_for_training(x)
        return super().fit(x, *args, **kwargs)

    def _build_for_training(self, batches: Any) -> None:
        """Every weight and the optimizer's slots made eagerly, from one forward pass, before
        the train step is traced: a traced function that creates variables is traced twice
        (once creating them, once more to run without), and each trace took 10-15 s."""
        batch_in, _targets = batches[0]
        self._training = True
        try:
            self.batch_loss(tuple(tf.convert_to_tensor(array) for array in batch_in))
        finally:
            self._training = None
        self.optimizer.build(self.trainable_variables)


class _DIETLoadedForPrediction(_LoadsForPrediction, DIET):
    pass


class _TEDLoadedForPrediction(_LoadsForPrediction, TED):
    pass


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class FastLoadingDIETClassifier(DIETClassifier):
    """DIETClassifier whose trained model loads without tracing the training graph, reuses its
    predictions for texts it has seen (rasa_components/prediction_cache.py), and trains on
    batches of messages of about the same length (rasa_components/length_buckets.py;
    `length_bucketed_batches: false` trains with Rasa's own batches)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DIETClassifier.get_default_config(),
            LENGTH_BUCKETED_BATCHES: True,
            LENGTH_BUCKET_FLOOR: 24,
            PREDICTION_CACHE_SIZE: DEFAULT_PREDICTION_CACHE_SIZE,
        }

    @staticmethod
    def model_class() -> type[RasaModel]:
        return _DIETLoadedForPrediction

    @cached_property
    def _prediction_cache(self) -> PredictionCache[Any]:
        return PredictionCache(self.component_config[PREDICTION_CACHE_SIZE])

    def _predict(self, message: Message) -> Any:
        text = message.get(TEXT)
        if self.model is None or not isinstance(text, str):
            return super()._predict(message)
        return self._prediction_cache.get_or_compute(
            text, lambda: super(FastLoadingDIETClassifier, self)._predict(message)
        )

    def train(self, training_data: TrainingData) -> Resource:
        if not self.component_config[LENGTH_BUCKETED_BATCHES]:
            return super().train(training_data)
        with length_bucketed_batches(self.component_config[LENGTH_BUCKET_FLOOR]):
            return super().train(training_data)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class FastLoadingTEDPolicy(TEDPolicy):
    """TEDPolicy whose trained model loads without tracing the training graph and which reuses
    its predictions for dialogue states it has seen (rasa_components/prediction_cache.py).
    Training is exactly Rasa's."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**TEDPolicy.get_default_config(), PREDICTION_CACHE_SIZE: DEFAULT_PREDICTION_CACHE_SIZE}

    @staticmethod
    def model_class() -> type[TED]:
        return _TEDLoadedForPrediction

    @cached_property
    def _prediction_cache(self) -> PredictionCache[PolicyPrediction]:
        return PredictionCache(self.config[PREDICTION_CACHE_SIZE])

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: MessageContainerForCoreFeaturization | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        if self.model is None:
            return super().predict_action_probabilities(
                tracker, domain, rule_only_data, precomputations, **kwargs
            )
        return self._prediction_cache.get_or_compute(
            self._input_key(tracker, domain, rule_only_data),
            lambda: super(FastLoadingTEDPolicy, self).predict_action_probabilities(
                tracker, domain, rule_only_data, precomputations, **kwargs
            ),
        )

    def _input_key(
        self, tracker: DialogueStateTracker, domain: Domain, rule_only_data: dict[str, Any] | None
    ) -> str:
        """The states TEDPolicy._featurize_tracker featurizes: the intent-based ones, and the
        text-based ones too where TED, trained end to end, also reads the last message's text."""
        ml_data_only = self.supported_data() == SupportedData.ML_DATA

        def states(use_text: bool) -> object:
            return self.featurizer.prediction_states(
                [tracker],
                domain,
                use_text_for_last_user_input=use_text,
                ignore_rule_only_turns=ml_data_only,
                rule_only_data=rule_only_data,
                ignore_action_unlikely_intent=ml_data_only,
            )

        parts = [states(self.only_e2e)]
        if (
            tracker.latest_action_name == ACTION_LISTEN_NAME
            and TEXT in self.fake_features
            and not self.only_e2e
        ):
            parts.append(states(True))
        return states_key(*parts)
