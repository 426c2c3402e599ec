"""Subscribing to, listing and stopping proactive notices in conversation (`notices/`)."""
