"""Callback-ledger entries carry their own time (Variables have none), and a task forgets its reference."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from video_localization.callbacks.ledger import MemoryLedger, entry_value, recorded_at


def test_an_entry_holds_the_status_and_when_it_was_recorded_in_utc() -> None:
    moment = datetime(2026, 12, 4, 20, 0, tzinfo=timezone(timedelta(hours=2)))
    value = entry_value("processing", moment)
    assert json.loads(value) == {"status": "processing", "recorded_at": "2026-12-04T18:00:00+00:00"}
    assert recorded_at(value) == moment


@pytest.mark.parametrize("value", ["processing", "", None, "{}", '{"recorded_at": "yesterday"}', "[1]"])
def test_a_value_of_another_shape_has_no_time(value: object) -> None:
    assert recorded_at(value) is None


def test_a_naive_time_is_read_as_utc() -> None:
    assert recorded_at('{"recorded_at": "2026-12-04T18:00:00"}') == datetime(2026, 12, 4, 18, tzinfo=UTC)


def test_forgetting_a_reference_leaves_the_others() -> None:
    ledger = MemoryLedger()
    ledger.record("akool", "reference-one", "job000000001", "processing")
    ledger.record("akool", "reference-one", "job000000002", "completed")
    ledger.record("akool", "reference-two", "job000000003", "processing")
    assert ledger.forget("akool", "reference-one") == 2
    assert ledger.forget("akool", "reference-one") == 0
    assert ledger.job_ids("akool", "reference-one") == []
    assert ledger.job_ids("akool", "reference-two") == ["job000000003"]
