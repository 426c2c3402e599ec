"""Prometheus metrics of the gateway, served at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter("gateway_http_requests_total", "HTTP requests", ["route", "method", "status"])
HTTP_LATENCY = Histogram("gateway_http_request_seconds", "HTTP request latency", ["route"])
CHAT_MESSAGES = Counter("gateway_chat_messages_total", "Citizen messages answered", ["channel"])
RASA_LATENCY = Histogram("gateway_rasa_request_seconds", "Latency of Rasa webhook calls")
RASA_ERRORS = Counter("gateway_rasa_errors_total", "Rasa calls that failed or timed out")
HANDOFFS = Counter("gateway_handoffs_total", "Chats handed to a hotline agent", ["reason"])
