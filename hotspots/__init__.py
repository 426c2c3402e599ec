"""Complaint hotspots for the 12345 centre: tickets about the same problem in the same place
within a window, grouped (meaning from the knowledge base's encoder, place, time; same
category), heated, and merged with a citizen's new ticket. Imports only common, departments
and knowledge_base."""
