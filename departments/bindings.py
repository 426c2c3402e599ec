"""Which accounts a channel user has bound, persisted by the assistant itself.

Departments know accounts, not WeChat or Alipay users; the link between the two is the
assistant's own record, kept in its database (SQLite by default, DATABASE_URL otherwise).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from sqlalchemy import DateTime, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from common.database import AssistantBase, AssistantStore
from common.settings import load_settings


class Binding(AssistantBase):
    __tablename__ = "assistant_bindings"

    sender_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    bill_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(64))
    bound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BindingStore(AssistantStore):
    """One identifier per (channel user, bill type); binding again replaces it."""

    tables = (Binding,)

    def _bind(self, sender_id: str, bill_type: str, identifier: str) -> None:
        with self._sessions.begin() as session:
            session.merge(
                Binding(
                    sender_id=sender_id,
                    bill_type=bill_type,
                    identifier=identifier,
                    bound_at=datetime.now(UTC),
                )
            )

    def _unbind(self, sender_id: str, bill_type: str | None) -> int:
        statement = delete(Binding).where(Binding.sender_id == sender_id)
        if bill_type:
            statement = statement.where(Binding.bill_type == bill_type)
        with self._sessions.begin() as session:
            return session.execute(statement).rowcount

    def _all(self, sender_id: str) -> dict[str, str]:
        with self._sessions() as session:
            rows = session.scalars(select(Binding).where(Binding.sender_id == sender_id))
            return {row.bill_type: row.identifier for row in rows}

    def _bound_to(self, bill_type: str, identifier: str) -> list[str]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Binding.sender_id).where(
                        Binding.bill_type == bill_type, Binding.identifier == identifier
                    )
                )
            )

    async def bound_to(self, bill_type: str, identifier: str) -> list[str]:
        """The channel users who bound this account (an outage on it concerns them)."""
        return await self._run(self._bound_to, bill_type, identifier)

    async def bind(self, sender_id: str, bill_type: str, identifier: str) -> None:
        await self._run(self._bind, sender_id, bill_type, identifier)

    async def unbind(self, sender_id: str, bill_type: str | None = None) -> int:
        """Removes one bill type's binding, or all of them; returns how many were removed."""
        return await self._run(self._unbind, sender_id, bill_type)

    async def all_for(self, sender_id: str) -> dict[str, str]:
        return await self._run(self._all, sender_id)


@cache
def binding_store() -> BindingStore:
    """Created on first use, so importing the departments package touches no database."""
    return BindingStore(load_settings().assistant_database_url)
