"""Custom actions for the Rasa action server (rasa-sdk). One small class per task;
department API clients live in `actions.clients`, one module per department."""
