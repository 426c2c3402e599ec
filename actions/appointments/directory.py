"""Names of clinics and halls for replies, from the booking platform's own directory."""

from __future__ import annotations

from departments.appointments import Clinic, Hall
from departments.registry import departments


async def all_clinics() -> list[Clinic]:
    return [
        clinic for hospital in await departments().appointments.hospitals() for clinic in hospital.clinics
    ]


async def clinics_of(hospital_id: str) -> list[Clinic]:
    return [clinic for clinic in await all_clinics() if clinic.hospital_id == hospital_id]


async def find_clinic(clinic_id: str) -> Clinic | None:
    return next((clinic for clinic in await all_clinics() if clinic.clinic_id == clinic_id), None)


async def find_hall(hall_id: str) -> Hall | None:
    return next((hall for hall in await departments().appointments.halls() if hall.hall_id == hall_id), None)


async def resource_name(resource_id: str, service: str | None = None) -> tuple[str, str | None]:
    """("示例市立医院 内科", None) or ("示例市政务服务中心", "护照")."""
    if resource_id.startswith("G"):
        hall = await find_hall(resource_id)
        if hall is None:
            return resource_id, None
        service_name = next((item.name for item in hall.services if item.id == service), None)
        return hall.name, service_name
    clinic = await find_clinic(resource_id)
    return (f"{clinic.hospital_name} {clinic.name}" if clinic else resource_id), None
