"""Client of the 12345 hotline's ticket system (`/complaints/v1`): file a complaint, follow
it, rate it once it is closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from departments.base import DepartmentClient

CLOSED = "已办结"


@dataclass(frozen=True)
class ComplaintCategory:
    category: str
    name: str
    department: str
    examples: list[str]
    """Typical complaints of the category, to match a citizen's words against."""


@dataclass(frozen=True)
class TicketEvent:
    at: str
    status: str
    note: str | None


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    category: str
    category_name: str
    department: str
    title: str
    location: str | None
    status: str
    created_at: str
    satisfaction: int | None
    history: list[TicketEvent]
    description: str | None = None
    """The citizen's own words (the title is its first 30 characters unless given)."""
    holder: str | None = None
    """The complainant's citizen id, when the ticket was filed by a known citizen."""
    contact_phone: str | None = None
    """The phone the complainant left (absent from anonymous tickets)."""

    def belongs_to(self, citizen_id: str | None, phone: str | None) -> bool:
        """Whether this citizen (by id or registered phone) is the complainant."""
        return bool((citizen_id and self.holder == citizen_id) or (phone and self.contact_phone == phone))

    @property
    def can_be_rated(self) -> bool:
        return self.status == CLOSED and self.satisfaction is None


@dataclass(frozen=True)
class ComplaintDraft:
    """What the citizen told the assistant. Anonymous tickets keep the contact from the
    handling department; the citizen can still follow them by citizen id or phone."""

    category: str
    description: str
    location: str | None = None
    title: str | None = None
    citizen_id: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    anonymous: bool = False


class ComplaintClient(DepartmentClient):
    department_name = "12345热线工单系统"

    async def categories(self) -> list[ComplaintCategory]:
        return [
            ComplaintCategory(
                category=item["category"],
                name=item["name"],
                department=item["department"],
                examples=list(item["examples"]),
            )
            for item in await self._get("/complaints/v1/categories")
        ]

    async def file(self, draft: ComplaintDraft, idempotency_key: str) -> Ticket:
        """Only returns once the ticket is stored; the key makes a repeated message (or a
        retry after a timeout) return the same ticket instead of a second one."""
        payload = {key: value for key, value in vars(draft).items() if value is not None}
        return _ticket(await self._post("/complaints/v1/tickets", payload, idempotency_key=idempotency_key))

    async def filed_by(self, idempotency_key: str) -> Ticket | None:
        """The ticket a filing with this key stored, None if the ticket system stored none: what
        to tell the citizen after the filing's answer was lost (the key is a hash, no personal data)."""
        stored = await self._stored_under(f"/complaints/v1/requests/{idempotency_key}")
        return None if stored is None else _ticket(stored)

    async def ticket(self, ticket_id: str) -> Ticket:
        """Raises RecordNotFound for an unknown ticket number."""
        return _ticket(await self._get(f"/complaints/v1/tickets/{ticket_id.strip()}"))

    async def tickets_of(self, citizen_id: str | None = None, phone: str | None = None) -> list[Ticket]:
        """The citizen's tickets, newest first."""
        params = {key: value for key, value in (("citizen_id", citizen_id), ("phone", phone)) if value}
        return [_ticket(item) for item in await self._get("/complaints/v1/tickets", params=params)]

    async def tickets_between(self, since: datetime, until: datetime | None = None) -> list[Ticket]:
        """Every ticket created in [since, until), newest first (the 12345 centre's review)."""
        params = {"since": since.isoformat(timespec="seconds")}
        if until is not None:
            params["until"] = until.isoformat(timespec="seconds")
        return [_ticket(item) for item in await self._get("/complaints/v1/tickets", params=params)]

    async def rate(
        self, ticket_id: str, score: int, idempotency_key: str, comment: str | None = None
    ) -> Ticket:
        """1 (very dissatisfied) to 5 (very satisfied). DepartmentRejected with code
        `not_closed` or `already_rated` when the ticket cannot be rated (now)."""
        payload: dict[str, Any] = {"score": score, **({"comment": comment} if comment else {})}
        path = f"/complaints/v1/tickets/{ticket_id.strip()}/rating"
        return _ticket(await self._post(path, payload, idempotency_key=idempotency_key))


def _ticket(record: dict[str, Any]) -> Ticket:
    return Ticket(
        ticket_id=record["ticket_id"],
        category=record["category"],
        category_name=record["category_name"],
        department=record["department"],
        title=record["title"],
        location=record["location"],
        status=record["status"],
        created_at=record["created_at"],
        satisfaction=record["satisfaction"],
        description=record.get("description"),
        holder=record.get("holder"),
        contact_phone=record.get("contact_phone"),
        history=[
            TicketEvent(at=item["at"], status=item["status"], note=item["note"]) for item in record["history"]
        ],
    )
