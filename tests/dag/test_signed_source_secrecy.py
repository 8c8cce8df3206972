"""A user's pre-signed source URL reaches the vendors and nothing else readable.

Full `localize_video` runs through `dag.test()` (Panjaya with Rev captions, which sends the source URL to
both vendors; and Akool) with a source served like a pre-signed S3 object: a small HTTP server answers
the sample only when the request carries the right `X-Amz-Signature`, so a delivered video proves the
vendor got the original URL. Then every place Airflow keeps what a run did is searched for the
signature: every table of the metadata DB (XCom, rendered template fields, task instances and their
`next_kwargs`, triggers, the task state store, the audit log...; only the run's own `conf` is where the
user put it), the task log files, and everything printed or logged while the runs ran.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["AIRFLOW__VIDEO_LOCALIZATION__POLL_INTERVAL"] = "0.1"
os.environ["AIRFLOW__VIDEO_LOCALIZATION__MAX_POLL_INTERVAL"] = "0.3"

from airflow.sdk import DagRunState

from signed_bucket import CREDENTIAL, SIGNATURE, SignedBucket

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[SignedBucket]:
    served = SignedBucket()
    served.thread.start()
    allowed = os.environ.get("AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS", "")
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__ALLOWED_URL_HOSTS", f"{allowed},{served.netloc}")
    try:
        yield served
    finally:
        served.server.shutdown()


def _localize_dag():
    """A freshly parsed DAG per run: in-process `dag.test()` runs share Param objects, so one run's conf
    would become the next run's defaults (a worker process per task never shares them)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR / "localize_video.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("localize_video")


def _database_file() -> Path:
    from airflow.configuration import conf

    uri = conf.get("database", "sql_alchemy_conn")
    assert uri.startswith("sqlite:///"), f"this scan reads the test's SQLite DB, not {uri}"
    return Path(uri.removeprefix("sqlite:///"))


def _database_hits(needle: str) -> list[str]:
    """`table.column` of every stored value holding `needle`, except the DagRun's own conf."""
    hits = []
    with sqlite3.connect(_database_file()) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from sqlite_master
                for column, value in zip(columns, row, strict=True):
                    if (table, column) == ("dag_run", "conf"):
                        continue  # where the user put it: the run's input, shown to who may trigger it
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    if needle in text:
                        hits.append(f"{table}.{column}")
    return sorted(set(hits))


def _decrypted_hits(needle: str, run_ids: list[str]) -> list[str]:
    """Values Airflow stores encrypted (trigger kwargs) or serialized, read back through its models."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session

    hits = []
    with create_session() as session:
        for trigger in session.query(Trigger).all():
            if needle in json.dumps(trigger.kwargs, default=str):
                hits.append(f"trigger {trigger.classpath}")
        for ti in session.query(TaskInstance).filter(TaskInstance.run_id.in_(run_ids)):
            if needle in json.dumps(ti.next_kwargs, default=str):
                hits.append(f"next_kwargs of {ti.task_id}")
    return hits


def _log_file_hits(needle: str) -> list[str]:
    home = Path(os.environ["AIRFLOW_HOME"])
    return [
        str(path)
        for path in home.rglob("*.log")
        if path.is_file() and needle in path.read_text(encoding="utf-8", errors="replace")
    ]


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def test_a_presigned_source_url_is_in_no_xcom_rendered_field_db_row_or_log(
    airflow_db, vendors_env, bucket: SignedBucket, tmp_path, capfd, caplog
) -> None:
    caplog.set_level("DEBUG")
    source = bucket.url()
    runs = {
        "panjaya+rev": {
            "dubbing_vendor": "panjaya",
            "source": source,
            "source_language": "en-US",
            "target_languages": ["fr-FR"],
            "caption_formats": ["SubRip"],
            "captions_source": "rev",
            "output_location": str(tmp_path / "panjaya"),
        },
        "akool": {
            "dubbing_vendor": "akool",
            "source": source,
            "source_language": "en-US",
            "target_languages": ["fr-FR"],
            "output_location": str(tmp_path / "akool"),
        },
    }
    finished = {}
    for name, conf in runs.items():
        run = _localize_dag().test(run_conf=conf)
        assert run.state == DagRunState.SUCCESS, (name, _states(run))
        finished[name] = run

    # The URL did travel: each vendor fetched the signed object (Panjaya, Rev for en-US captions, Akool).
    created = vendors_env.counters()["created"]
    assert created.get("panjaya:asset") == 1 and created.get("akool:translation") == 1, created
    assert created.get("rev:order") == 2, created  # en-US from the source URL, fr-FR from the dub
    assert bucket.signed_gets >= 3 and bucket.refused == 0, (bucket.signed_gets, bucket.refused)

    # ...and nowhere else: DB rows (XCom, rendered fields, ...), decrypted trigger kwargs, logs, output.
    printed = capfd.readouterr()
    for secret in (SIGNATURE, CREDENTIAL):
        assert _database_hits(secret) == []
        assert _decrypted_hits(secret, [run.run_id for run in finished.values()]) == []
        assert _log_file_hits(secret) == []
        assert secret not in printed.out and secret not in printed.err
        assert secret not in caplog.text
        outputs = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".json", ".srt")]
        assert outputs and all(secret not in p.read_text(errors="replace") for p in outputs)

    # What the plan kept instead: where, not the signature.
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter(
                XComModel.run_id == finished["akool"].run_id,
                XComModel.task_id == "plan",
                XComModel.key == "return_value",
            )
            .one()
        )
        plan = row.value if isinstance(row.value, dict) else json.loads(row.value)
    assert plan["source"] == f"<run conf 'source': http://{bucket.netloc}/launch/sample.mp4?<redacted>>"


def test_a_presigned_url_in_an_intake_request_reaches_only_the_triggered_runs_conf(
    airflow_db, vendors_env, bucket: SignedBucket, tmp_path, monkeypatch, capfd
) -> None:
    """The intake used to pass each request's conf through XCom and the trigger's rendered `conf`."""
    from airflow.dag_processing.dagbag import DagBag

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__INBOX_ROOTS", str(inbox))
    request = {
        "source": bucket.url(),
        "source_language": "en-US",
        "targets": ["fr-FR"],
        "vendor": "akool",
        "output": str(tmp_path / "out"),
    }
    (inbox / "signed.json").write_text(json.dumps(request))
    bag = DagBag(dag_folder=str(DAGS_DIR / "localization_intake.py"))
    assert not bag.import_errors, bag.import_errors
    run = bag.get_dag("localization_intake").test(run_conf={"inbox": str(inbox), "settle_seconds": 0})
    assert run.state == DagRunState.SUCCESS, _states(run)

    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        triggered = session.query(DagRun).filter(DagRun.dag_id == "localize_video").all()
        confs = [dict(dag_run.conf or {}) for dag_run in triggered]
    assert [conf["target_languages"] for conf in confs if conf.get("source") == bucket.url()] == [["fr-FR"]]
    printed = capfd.readouterr()
    assert _database_hits(SIGNATURE) == []  # claim XCom, trigger rendered fields: none hold it
    assert _log_file_hits(SIGNATURE) == []
    assert SIGNATURE not in printed.out and SIGNATURE not in printed.err
    assert vendors_env.counters()["requests_by_vendor"] == {}  # the intake only triggers
