"""Where an imported record came from: the sender's identifier for each resource or result, so a repeated
bundle or message stores nothing twice and a correction finds the record it corrects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, JSONType


class ImportKey(Base):
    """One imported resource (FHIR) or result (HL7 OBX, CSV row) and the clinical record that holds it.

    Several keys may point at one record (the temperature and the pulse of one obs set). When the record is
    amended the key moves to the new row; `content_hash` is what the sender sent last, so a repeat is known."""

    __tablename__ = "import_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # fhir, hl7, csv
    key: Mapped[str] = mapped_column(String(400))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    record_kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    fields: Mapped[list[str]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("source", "key"),)
