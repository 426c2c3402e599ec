"""The 12345 centre's figures: the scorecard and the unanswered questions, read from the stored
conversations (Rasa's SQL tracker store) and the assistant's own tables, never written to."""
