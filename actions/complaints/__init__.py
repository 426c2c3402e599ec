"""Complaints to the 12345 hotline: file one, follow its progress, rate it once closed."""
