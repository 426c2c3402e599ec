"""Custom Rasa graph components, referenced by module path from config.yml. Rasa imports them
in its own environment (.venv-rasa) from the project root, its working directory."""
