"""Patients on the CAR-T ward."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_number: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16))
    weight_kg: Mapped[float] = mapped_column(Float)
    height_cm: Mapped[float | None] = mapped_column(Float)
    product: Mapped[str] = mapped_column(String(120))
    indication: Mapped[str | None] = mapped_column(String(120))
    ward: Mapped[str] = mapped_column(String(60))
    bed: Mapped[str] = mapped_column(String(20))
    developmental_delay: Mapped[bool] = mapped_column(default=False)
    trial: Mapped[str | None] = mapped_column(String(120))  # a clinical trial whose protocol grading applies
    admitted_at: Mapped[datetime]
    infused_at: Mapped[datetime | None]
    discharged_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_patients_active", "discharged_at", "ward", "bed"),)

    @property
    def monitoring_start(self) -> datetime:
        """Monitoring runs from admission (or infusion, day 0, if that was recorded first)."""
        if self.infused_at is not None and self.infused_at < self.admitted_at:
            return self.infused_at
        return self.admitted_at

    def is_discharged_at(self, when: datetime) -> bool:
        return self.discharged_at is not None and self.discharged_at <= when

    def age_years_at(self, when: datetime) -> float:
        return (when.date() - self.date_of_birth).days / 365.2425
