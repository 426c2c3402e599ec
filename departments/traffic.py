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
            )
            for item in record["violations"]
        ]
