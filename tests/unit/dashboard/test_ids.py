from dashboard import ids


def test_every_static_id_is_unique() -> None:
    values = list(ids.static_ids().values())
    assert len(values) == len(set(values))


def test_every_id_is_prefixed_by_its_page() -> None:
    prefixes = ("app-", "bay-", "patient-", "alerts-", "audit-", "wall-", "beds-", "handover-")
    assert [v for v in ids.static_ids().values() if not v.startswith(prefixes)] == []


def test_pattern_matching_ids_carry_their_type_and_keys() -> None:
    assert ids.bay_leaf(3, "crs") == {"type": "bay-leaf", "patient": 3, "field": "crs"}
    assert ids.patient_field("observations", "temperature_c")["form"] == "observations"
    assert ids.patient_form(ids.PATIENT_SAVE, "labs") == {"type": "patient-save", "form": "labs"}


def test_pattern_matching_types_do_not_collide_with_plain_ids_of_other_pages() -> None:
    types = {ids.BAY_LEAF, ids.PATIENT_FIELD, ids.PATIENT_FEEDBACK, ids.PATIENT_WRAP}
    assert len(types) == 4
