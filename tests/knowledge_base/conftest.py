"""The real encoder, loaded once per session, and a retriever over the shipped content."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.catalog import load_catalog
from knowledge_base.config import RetrieverConfig
from knowledge_base.encoders import Encoder, encoder_fingerprint
from knowledge_base.retriever import Retriever, shared_encoder


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    config = RetrieverConfig()
    return shared_encoder(config.model, config.encoder_threads)


@pytest.fixture(scope="session")
def encoder_id() -> str:
    return encoder_fingerprint(RetrieverConfig().model)


@pytest.fixture(scope="session")
def retriever(encoder: Encoder, encoder_id: str, tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """The shipped content with the shipped thresholds, cached in a fresh directory."""
    config = RetrieverConfig()
    return Retriever(
        load_catalog(config.content_dir),
        encoder,
        encoder_id,
        cache_dir=tmp_path_factory.mktemp("kb-cache"),
        centroid_weight=config.centroid_weight,
        lexical_weight=config.lexical_weight,
        thresholds=config.thresholds,
    )


def write_content(directory: Path, text: str, name: str = "topics.yml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
