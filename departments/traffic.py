"""Client of the traffic police (交管) violation query."""

from __future__ import annotations

from dataclasses import dataclass

from departments.base import DepartmentClient


@dataclass(frozen=True)
class Violation:
    record_id: str
    date: str
    location: str
    behavior: str
    fine: float
    points: int
    status: str
    pay_by: str | None = None
    """The payment deadline (15 days after the penalty decision), where the department says it."""
    late_fee: float = 0.0


class TrafficClient(DepartmentClient):
    department_name = "交管部门"

    async def violations(self, plate_number: str) -> list[Violation]:
        """Newest first; an unknown plate raises RecordNotFound."""
        record = await self._get(f"/traffic/v1/vehicles/{plate_number}/violations")
        return [
            Violation(
                record_id=item["record_id"],
                date=item["date"],
                location=item["location"],
                behavior=item["behavior"],
                fine=float(item["fine"]),
                points=int(item["points"]),
                status=item["status"],
                pay_by=item.get("pay_by"),
                late_fee=float(item.get("late_fee") or 0),
            )
            for item in record["violations"]
        ]
