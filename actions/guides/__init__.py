"""Service guides, life events and the knowledge-base FAQ fallback.

Guides are answered from the knowledge-base catalog by entry id (the NLU's service_item),
which needs no encoder; free questions, and everything Rasa is unsure about, go to the
embedding retriever, which the action server loads once in the background at start.
"""
