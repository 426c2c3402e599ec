"""Which hotspot a ticket was merged into: `assistant_hotspot_links(ticket_id, hotspot_id)`.

Written when a citizen's new ticket joins an open hotspot (and for the tickets already in
it), so the hotspot keeps its id while it grows and the 12345 centre sees the ticket under
it; read to name a recomputed group by the hotspot most of its tickets were linked to."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from common.database import AssistantBase, AssistantStore


class HotspotLink(AssistantBase):
    __tablename__ = "assistant_hotspot_links"

    ticket_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hotspot_id: Mapped[str] = mapped_column(String(48), index=True)
    linked_at: Mapped[str] = mapped_column(String(32))


class HotspotLinks(AssistantStore):
    tables = (HotspotLink,)

    def links_of(self, ticket_ids: Iterable[str]) -> dict[str, str]:
        """{ticket_id: hotspot_id} for the linked ones (blocking)."""
        ids = list(ticket_ids)
        if not ids:
            return {}
        with self._sessions() as session:
            rows = session.execute(
                select(HotspotLink.ticket_id, HotspotLink.hotspot_id).where(HotspotLink.ticket_id.in_(ids))
            )
            return {ticket_id: hotspot_id for ticket_id, hotspot_id in rows}

    def link(self, hotspot_id: str, ticket_ids: Iterable[str], at: str) -> None:
        """Links the tickets not linked yet; a ticket keeps the first hotspot it joined (blocking)."""
        ids = list(dict.fromkeys(ticket_ids))
        with self._sessions() as session:
            known = set(session.scalars(select(HotspotLink.ticket_id).where(HotspotLink.ticket_id.in_(ids))))
            for ticket_id in ids:
                if ticket_id not in known:
                    session.add(HotspotLink(ticket_id=ticket_id, hotspot_id=hotspot_id, linked_at=at))
            try:
                session.commit()
            except IntegrityError:
                # Another filing linked one of them at the same moment: its link stands.
                session.rollback()
