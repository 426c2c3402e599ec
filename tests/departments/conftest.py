"""What the department client suites share; the served sandbox itself is a fixture of tests/conftest.py."""

from __future__ import annotations

from departments.base import ClientLimits

LIMITS = ClientLimits(timeout_seconds=0.5, read_retries=1, breaker_failures=2, breaker_reset_seconds=60)
