"""The shape the NLU guards share: a component after the classifiers that may rewrite each
message's intent and trains nothing. A guard says only how it rewrites (`rewrite`)."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class IntentRewriter(GraphComponent):
    """A subclass takes its configuration in `__init__(config)`."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self.rewrite(message)
        return messages

    def rewrite(self, message: Message) -> None:
        """Change the message's intent and ranking in place, or leave them."""
        raise NotImplementedError
