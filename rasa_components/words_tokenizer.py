"""Rasa's JiebaTokenizer without the whitespace tokens jieba makes of spaces.

Citizens put spaces between words and numbers ("查水费 3100012345"); jieba keeps each run of
spaces as a token of its own, so DIET learned and predicted entity tags for blank tokens: one
model tagged the space in "查水费 3100012345" as a second bill_type, the slot became a list
and the bill form asked which bill was meant. Rasa's whitespace tokenizer never makes such
tokens; without them no entity can be blank, and spaces no longer dilute the features.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class WordsOnlyJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer whose tokens all hold a visible character (a blank message keeps its
    tokens, so every message still has one)."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        words = [token for token in tokens if token.text.strip()]
        return words or tokens
