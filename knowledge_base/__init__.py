"""The knowledge base: service guides and FAQs (YAML under content/) and their retriever.

Importing the package is cheap on purpose: the encoder (torch, sentence-transformers) is
only imported by `knowledge_base.retriever`, which `knowledge_base.loader` pulls in off the
request path, so a process that never searches never pays for it.
"""
