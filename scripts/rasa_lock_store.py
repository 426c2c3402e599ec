"""Rasa's Redis lock store with leased tickets: a killed Rasa holds a conversation for seconds,
not for a minute.

    lock_store: {type: scripts.rasa_lock_store.LeasedRedisLockStore, url: HOST, port: 6379,
                 db: 1, key_prefix: citizen, lease_seconds: 6}     (rendered by scripts/stack.py)

Run by Rasa's own environment (imports Rasa and redis, never the project's app code). Rasa 3.6
serialises one conversation's messages with a ticket lock in Redis: a message takes a ticket
that expires after TICKET_LOCK_LIFETIME (60 s), waits until its ticket is first, is processed,
and gives the ticket back. An instance killed mid-message never gives it back, so with two
instances the survivor, taking that citizen's next message, waited for the ticket to expire:
a minute in which every message of the conversation was answered "busy" (the gateway waits
RASA_TIMEOUT_SECONDS, 10 s, for one message).

Here a ticket is a lease of `lease_seconds`, extended every quarter of it by a thread of the
process that took it, for as long as its message waits or is processed. A live instance keeps
its tickets however long a message takes (a slow department, a loaded machine: the thread
needs a few milliseconds of CPU per extension, not the event loop); a dead one stops extending
them and they expire within `lease_seconds`. Every change of a lock (a ticket taken, extended,
given back) is one Redis transaction (WATCH/MULTI), so instances taking tickets for the same
conversation at once cannot overwrite each other's. Expiry compares wall clocks, as Rasa's own
does: the instances' clocks must agree to well within the lease.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 6.0
# How often a waiting message looks whether its ticket is first (Rasa's default: 1 s).
WAIT_SECONDS = 0.25
TRANSACTION_ATTEMPTS = 20


class LeasedRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options: dict[str, Any] = dict(endpoint_config.kwargs)
        self.lease_seconds = float(options.pop("lease_seconds", DEFAULT_LEASE_SECONDS))
        super().__init__(host=endpoint_config.url or "localhost", **options)
        self._held: dict[tuple[str, int], None] = {}
        self._held_lock = threading.Lock()
        self._renewer: threading.Thread | None = None

    # --- one transaction per change ---

    def _change(self, conversation_id: str, change: Callable[[TicketLock | None], TicketLock | None]) -> None:
        """Applies `change` to the stored lock in one transaction, retried when another process
        changed the lock in between; a lock `change` leaves without tickets is deleted."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            for _ in range(TRANSACTION_ATTEMPTS):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = change(TicketLock.from_dict(json.loads(raw)) if raw else None)
                    pipe.multi()
                    if lock is not None and lock.tickets:
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return
                except redis.WatchError:
                    continue
        raise LockError(f"Lock of conversation '{conversation_id}' kept changing; gave up.")

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = DEFAULT_LEASE_SECONDS) -> int:
        """A ticket leased for `lease_seconds` (Rasa's `lock_lifetime` is replaced by the lease)."""
        issued: list[int] = []

        def take(lock: TicketLock | None) -> TicketLock:
            lock = lock or self.create_lock(conversation_id)
            issued.append(lock.issue_ticket(self.lease_seconds))
            return lock

        try:
            self._change(conversation_id, take)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return issued[-1]

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def give_back(lock: TicketLock | None) -> TicketLock | None:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock

        self._change(conversation_id, give_back)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Gives the ticket back; the lock goes with its last ticket (one transaction, where
        Rasa's read the lock again to decide)."""
        self.finish_serving(conversation_id, ticket_number)

    def update_lock(self, conversation_id: str) -> None:
        """Drops expired tickets (what a waiting message does between looks)."""

        def drop_expired(lock: TicketLock | None) -> TicketLock | None:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock

        self._change(conversation_id, drop_expired)

    def _extend(self, conversation_id: str, numbers: set[int]) -> None:
        expires = time.time() + self.lease_seconds

        def extend(lock: TicketLock | None) -> TicketLock | None:
            for ticket in lock.tickets if lock is not None else ():
                if ticket.number in numbers:
                    ticket.expires = max(ticket.expires, expires)
            return lock

        self._change(conversation_id, extend)

    # --- the leases ---

    def _renew_forever(self) -> None:
        while True:
            time.sleep(self.lease_seconds / 4)
            with self._held_lock:
                held = list(self._held)
            by_conversation: dict[str, set[int]] = {}
            for conversation_id, number in held:
                by_conversation.setdefault(conversation_id, set()).add(number)
            for conversation_id, numbers in by_conversation.items():
                try:
                    self._extend(conversation_id, numbers)
                except (redis.RedisError, LockError) as error:  # the next round tries again
                    logger.warning("Could not extend a conversation's lock: %s", error)

    def _hold(self, conversation_id: str, ticket: int) -> None:
        with self._held_lock:
            self._held[(conversation_id, ticket)] = None
            if self._renewer is None:  # started in the process that serves (Sanic forks workers)
                self._renewer = threading.Thread(target=self._renew_forever, name="lock-leases", daemon=True)
                self._renewer.start()

    def _let_go(self, conversation_id: str, ticket: int) -> None:
        with self._held_lock:
            self._held.pop((conversation_id, ticket), None)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = DEFAULT_LEASE_SECONDS,
        wait_time_in_seconds: float = WAIT_SECONDS,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's `lock`, with the ticket extended for as long as it is held."""
        ticket = self.issue_ticket(conversation_id)
        self._hold(conversation_id, ticket)
        try:
            yield await self._acquire_lock(conversation_id, ticket, min(wait_time_in_seconds, WAIT_SECONDS))
        finally:
            self._let_go(conversation_id, ticket)
            self.cleanup(conversation_id, ticket)
