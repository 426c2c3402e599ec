"""Agents' verdicts on the console's suggestions (table `assistant_agent_feedback`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from common.database import AssistantBase, AssistantStore
from common.masking import mask_text

MAX_TEXT_CHARS = 2000


class Feedback(AssistantBase):
    __tablename__ = "assistant_agent_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    agent: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(MAX_TEXT_CHARS))
    suggestion_id: Mapped[str] = mapped_column(String(160))
    helpful: Mapped[bool] = mapped_column(Boolean)


class FeedbackStore(AssistantStore):
    """Agents' verdicts on suggestions, in the assistant's database; identifiers are masked,
    because the list serves knowledge-base editors, who need the wording, not the caller."""

    tables = (Feedback,)

    def _add(self, agent: str, text: str, suggestion_id: str, helpful: bool) -> None:
        row = Feedback(
            created_at=datetime.now(UTC),
            agent=agent,
            text=mask_text(text),
            suggestion_id=suggestion_id,
            helpful=helpful,
        )
        with self._sessions.begin() as session:
            session.add(row)

    def _bad(self, limit: int) -> list[dict[str, Any]]:
        statement = (
            select(Feedback)
            .where(Feedback.helpful.is_(False))
            .order_by(Feedback.created_at.desc(), Feedback.id.desc())
            .limit(limit)
        )
        with self._sessions() as session:
            return [
                {
                    "text": row.text,
                    "suggestion_id": row.suggestion_id,
                    "agent": row.agent,
                    "created_at": row.created_at.isoformat(),
                }
                for row in session.scalars(statement)
            ]

    async def add(self, agent: str, text: str, suggestion_id: str, helpful: bool) -> None:
        await self._run(self._add, agent, text, suggestion_id, helpful)

    async def bad(self, limit: int) -> list[dict[str, Any]]:
        """Questions whose suggestion was marked wrong, most recent first."""
        return await self._run(self._bad, limit)
