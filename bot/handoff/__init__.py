"""Human handoff: a citizen's chat moves from the bot to a hotline agent and back.

`desk` keeps the queue and the transcripts in the assistant's database, so every gateway
worker and the agent console see the same queue; `brain` wraps the bot so that a chat an
agent owns never reaches Rasa, and decides when a chat joins the queue.
"""
