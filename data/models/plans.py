"""The care plan written at handover: free text, append-only (a new plan is a new row; the newest is in force)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base


class CarePlan(Base):
    __tablename__ = "care_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    text: Mapped[str] = mapped_column(Text)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("care_plans.id"))  # the plan this one follows
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_care_plans_patient_recorded", "patient_id", "recorded_at"),)
