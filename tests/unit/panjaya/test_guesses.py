"""Panjaya's retry lookup by asset `name` is a guess: when Panjaya drops the name, nothing is paid twice.

A vendor that keeps no name is simulated by a name lookup that never finds anything; a create whose
answer is lost is simulated by a kill right after the sandbox made the asset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from video_localization.panjaya.operators import PanjayaCreateAssetOperator
from video_localization.panjaya.reconcile import CREATE_SENT_KEY
from vloc_test_support import FakeTaskInstance, PanjayaObjects

QUICK = {"deferrable": False, "poll_interval": 0.05, "max_poll_interval": 0.1, "wait_timeout": 20}
ContextFactory = Callable[..., dict[str, Any]]


class Killed(BaseException):
    """Stands in for SIGKILL right after Panjaya made the asset."""


def create_operator(panjaya: PanjayaObjects, **overrides: Any) -> PanjayaCreateAssetOperator:
    arguments: dict[str, Any] = {
        "task_id": "create_asset",
        "media_url": panjaya.media_url(),
        "source_locale": "en-US",
        "target_locales": ["fr-FR", "de-DE"],
        "asset_name": "launch video",
        **QUICK,
    }
    arguments.update(overrides)
    operator = PanjayaCreateAssetOperator(**arguments)
    return operator


def names_dropped(operator: PanjayaCreateAssetOperator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Panjaya keeps no name: the name lookup finds nothing and the list shows no names."""
    monkeypatch.setattr(operator.hook, "find_assets_named", lambda name: [])
    listed = operator.hook.iter_assets
    monkeypatch.setattr(
        operator.hook, "iter_assets", lambda: (a.model_copy(update={"name": None}) for a in listed())
    )


def lose_the_answer(operator: PanjayaCreateAssetOperator, monkeypatch: pytest.MonkeyPatch) -> None:
    real = operator._submit

    def submit(options: Any) -> str:
        real(options)
        raise Killed

    monkeypatch.setattr(operator, "_submit", submit)


def test_an_unanswered_create_is_found_by_its_locales_when_names_are_not_kept(
    panjaya: PanjayaObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    first = create_operator(panjaya)
    names_dropped(first, monkeypatch)
    lose_the_answer(first, monkeypatch)
    with pytest.raises(Killed):
        first.execute(context)
    assert context["task_state_store"].get(CREATE_SENT_KEY)["state"] == "sent"

    retry = create_operator(panjaya)
    names_dropped(retry, monkeypatch)
    result = retry.execute(context)
    assert result["versions"].keys() == {"fr-FR", "de-DE"}
    assert panjaya.counters()["created"] == {"panjaya:asset": 1}


def test_an_asset_of_other_languages_is_not_taken_for_it(
    panjaya: PanjayaObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_operator(panjaya, target_locales=["es-ES"]).execute(make_context())  # someone else's asset
    context = make_context()
    first = create_operator(panjaya)
    names_dropped(first, monkeypatch)
    lose_the_answer(first, monkeypatch)
    with pytest.raises(Killed):
        first.execute(context)
    retry = create_operator(panjaya)
    names_dropped(retry, monkeypatch)
    retry.execute(context)
    assert panjaya.counters()["created"] == {"panjaya:asset": 2}  # the es-ES one and ours, no third


def test_several_candidates_stop_the_task_instead_of_paying(
    panjaya: PanjayaObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = make_context()
    first = create_operator(panjaya)
    names_dropped(first, monkeypatch)
    lose_the_answer(first, monkeypatch)
    with pytest.raises(Killed):
        first.execute(context)
    other_run = FakeTaskInstance(run_id="manual__another")
    create_operator(panjaya).execute(make_context(other_run))  # an identical asset, made meanwhile
    retry = create_operator(panjaya)
    names_dropped(retry, monkeypatch)
    with pytest.raises(AirflowFailException, match="may be any of"):
        retry.execute(context)
    assert panjaya.counters()["created"] == {"panjaya:asset": 2}


def test_another_runs_named_asset_is_never_taken_for_a_create_that_never_arrived(
    panjaya: PanjayaObjects, make_context: ContextFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen in the chaos suite: the create was lost before Panjaya, and another run's asset of the same
    source and languages, made meanwhile, was adopted. Its name names the other task: not ours."""
    context = make_context()
    first = create_operator(panjaya)

    def never_arrives(options: Any) -> str:
        raise Killed

    monkeypatch.setattr(first, "_submit", never_arrives)
    with pytest.raises(Killed):
        first.execute(context)
    other_run = FakeTaskInstance(run_id="manual__another")
    other = create_operator(panjaya).execute(make_context(other_run))
    retry = create_operator(panjaya)
    result = retry.execute(context)
    assert result["asset_id"] != other["asset_id"]
    assert panjaya.counters()["created"] == {"panjaya:asset": 2}
