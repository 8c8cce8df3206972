"""Housekeeping logic with stand-in hooks: archive index, link lifetimes, quota, clean-up, report."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from video_localization.core.errors import VendorError
from video_localization.pipelines import housekeeping as hk

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _write_manifest(root: Path, run: str, document: dict) -> None:
    (root / run).mkdir(parents=True, exist_ok=True)
    (root / run / "manifest.json").write_text(json.dumps(document))


def _file(path: Path, data: bytes) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"uri": path.as_uri(), "size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_archive_index_reads_every_manifests_vendor_jobs(tmp_path):
    _write_manifest(
        tmp_path,
        "r1",
        {
            "vendor": "panjaya",
            "asset_id": "A1",
            "languages": [
                {"locale": "fr-FR", "version_id": "V1", "files": [{"uri": "file:///x", "sha256": "s"}]},
                {"locale": "de-DE", "version_id": "V2", "files": []},
            ],
            # A nested section made by another vendor names its own vendor.
            "captions": {"vendor": "rev", "order_number": "CP1", "files": [{"uri": "file:///c"}]},
        },
    )
    _write_manifest(tmp_path, "r2", {"vendor": "akool", "languages": [{"job_id": "AK1", "files": []}]})
    (tmp_path / "r3").mkdir()
    (tmp_path / "r3" / "manifest.json").write_text("{broken")
    index = hk.archive_index(str(tmp_path))
    assert index["manifests"] == 2
    assert set(index["archived"]) == {"panjaya:V1", "rev:CP1"}
    assert {(u["vendor"], u["job_id"]) for u in index["unsaved"]} == {("panjaya", "V2"), ("akool", "AK1")}
    assert index["unreadable"][0]["manifest"].endswith("r3/manifest.json")
    assert hk.is_archived(index, "rev", "nope", "CP1")


class FakeRev:
    def __init__(self, orders):
        self.orders = orders

    def iter_orders(self):
        return iter(self.orders)

    def get_order(self, number):
        return next(o for o in self.orders if o.order_number == number)


def _order(number, status, kinds, stamps=()):
    return SimpleNamespace(
        order_number=number,
        status=status,
        attachments=[SimpleNamespace(kind=k, name=f"{number}.{k}", id=f"{number}-{k}") for k in kinds],
        comments=[SimpleNamespace(timestamp=s) for s in stamps],
    )


def test_rev_burned_in_videos_last_seven_days_from_when_they_were_made():
    made = NOW - timedelta(days=6, hours=12)
    hook = FakeRev(
        [
            _order("CP1", "Complete", ["caption", "burnedin"], [made - timedelta(hours=1), made]),
            _order("CP2", "Complete", ["caption"]),  # no burned-in video: nothing that expires
            _order("CP3", "In Progress", ["burnedin"]),
            _order("CP4", "Complete", ["burnedin"]),  # no time known
        ]
    )
    index = {"archived": {}, "unsaved": []}
    results = [r.to_dict() for r in hk.rev_results(hook, index, NOW)]
    assert [(r["job_id"], r["link_expires_at"]) for r in results] == [
        ("CP1", (made + timedelta(days=7)).isoformat()),
        ("CP4", None),
    ]
    soon = hk.expiring_soon(results, NOW, timedelta(hours=24))
    assert [r["job_id"] for r in soon] == ["CP4", "CP1"]  # unknown first: treat it as expiring
    assert hk.expiring_soon(results, NOW, timedelta(hours=6)) == [results[1]]


class FakeAkool:
    def __init__(self, jobs):
        self.jobs = jobs
        self.asked: list[str] = []

    def get_video_info(self, video_id):
        self.asked.append(video_id)
        return self.jobs[video_id]


def test_akool_jobs_come_from_manifests_and_the_param_and_last_seven_days():
    created = NOW - timedelta(days=6, hours=20)
    jobs = {
        "AK1": SimpleNamespace(
            id="AK1", video_status=3, create_time=int(created.timestamp() * 1000), language="fr"
        ),
        "AK2": SimpleNamespace(id="AK2", video_status=2, create_time=None, language="de"),
        "AK3": SimpleNamespace(
            id="AK3", video_status=3, create_time=int(NOW.timestamp() * 1000), language="ja"
        ),
    }
    hook = FakeAkool(jobs)
    index = {
        "archived": {"akool:AK3": {}},
        "unsaved": [{"vendor": "akool", "job_id": "AK1", "manifest": "m"}],
    }
    results = [r.to_dict() for r in hk.akool_results(hook, index, ["AK2", "AK3", "AK1"], NOW)]
    assert hook.asked == ["AK2", "AK3", "AK1"]  # each once
    assert [(r["job_id"], r["archived"]) for r in results] == [("AK3", True), ("AK1", False)]
    assert [r["job_id"] for r in hk.expiring_soon(results, NOW, timedelta(hours=24))] == ["AK1"]


def test_cdnvideo_links_last_six_hours_files_thirty_days():
    made = NOW - timedelta(days=2)
    expiry = int((NOW + timedelta(hours=6)).timestamp())
    rows = [
        SimpleNamespace(id="T1", video_url=f"https://v/T1.mp4?md5=x&e={expiry}", date=made, video_name="a"),
        SimpleNamespace(id="T2", video_url=None, date=made, video_name="queued"),
        SimpleNamespace(id="T3", video_url="https://v/T3.mp4", date=made, video_name="b"),
    ]
    hook = SimpleNamespace(iter_tasks=lambda **_filters: iter(rows))
    index = {"archived": {"cdnvideo:T3": {}}, "unsaved": []}
    results = {r.job_id: r for r in hk.cdnvideo_results(hook, index, NOW)}
    assert set(results) == {"T1", "T3"}
    assert results["T1"].link_expires_at == datetime.fromtimestamp(expiry, UTC).isoformat()
    assert results["T3"].link_expires_at == (NOW + timedelta(hours=6)).isoformat()
    assert results["T1"].file_kept_until == (made + timedelta(days=30)).isoformat()
    assert results["T3"].archived and not results["T1"].archived


def test_quota_answer_is_reported_and_flagged_when_low():
    assert hk.report_cdnvideo_quota({"limit": 560.0, "left": 544.0}) | {"note": ""} == {
        "vendor": "cdnvideo",
        "status": "ok",
        "limit": 560.0,
        "left": 544.0,
        "used": 16.0,
        "left_share": 0.9714,
        "note": "",
    }
    assert (
        hk.report_cdnvideo_quota(SimpleNamespace(model_dump=lambda: {"limit": 100, "left": 5}))["status"]
        == "low"
    )
    assert hk.report_cdnvideo_quota(None)["status"] == "not_reported"


class FakeCdn:
    def __init__(self, refuse=()):
        self.deleted: list[str] = []
        self.refuse = set(refuse)

    def delete_video(self, job_id):
        if job_id in self.refuse:
            raise VendorError("cdnvideo", "no such video", status_code=400)
        self.deleted.append(job_id)


def test_cleanup_deletes_only_what_an_intact_copy_backs(tmp_path):
    good = _file(tmp_path / "good.mp4", b"good video")
    bad = _file(tmp_path / "bad.mp4", b"bad video")
    (tmp_path / "bad.mp4").write_bytes(b"tampered!")
    gone = {**_file(tmp_path / "gone.mp4", b"x"), "uri": (tmp_path / "missing.mp4").as_uri()}
    index = {
        "archived": {
            f"cdnvideo:{job}": {"files": [entry], "manifest": f"m-{job}"}
            for job, entry in (("G", good), ("B", bad), ("M", gone), ("R", good))
        }
    }
    remote = [{"vendor": "cdnvideo", "job_id": job, "archived": True} for job in ("G", "B", "M", "R")] + [
        {"vendor": "cdnvideo", "job_id": "N", "archived": False}
    ]
    hook = FakeCdn(refuse={"R"})
    outcome = hk.delete_archived_talking_heads(hook, index, remote)
    assert hook.deleted == ["G"]
    assert outcome["deleted"] == [{"job_id": "G", "manifest": "m-G"}]
    reasons = {k["job_id"]: k["reason"] for k in outcome["kept"]}
    assert set(reasons) == {"B", "M", "R"}
    assert "size/SHA-256" in reasons["B"] and "missing" in reasons["M"] and "no such video" in reasons["R"]


def test_report_is_written_for_people_and_programs(tmp_path):
    index = {"manifests": 1, "archived": {}, "unsaved": [], "unreadable": []}
    vendors = [
        {
            "vendor": "cdnvideo",
            "status": "ok",
            "checked": 1,
            "quota": hk.report_cdnvideo_quota({"limit": 10, "left": 0}),
            "results": [hk.RemoteResult("cdnvideo", "talking_head_video", "T1", "hello").to_dict()],
        },
        {"vendor": "rev", "status": "error", "error": "rev HTTP 401: unauthorized", "results": []},
    ]
    report = hk.build_report(
        run_id="scheduled__2026-11-20T00:00:00+00:00",
        now=NOW,
        horizon=timedelta(hours=24),
        index=index,
        vendors=vendors,
        quotas=hk.quotas(vendors),
        cleanup=None,
    )
    written = hk.write_report(str(tmp_path), report)
    markdown = Path(written["markdown"].removeprefix("file://")).read_text()
    assert "`T1`" in markdown and "LOW" in markdown and "rev HTTP 401" in markdown
    assert (
        json.loads(Path(written["json"].removeprefix("file://")).read_text())["expiring_soon"][0]["job_id"]
        == "T1"
    )
    assert "1 result(s) not archived" in hk.summary_line(report)
    assert {q["vendor"] for q in report["quotas"]} == {"cdnvideo", *hk.NO_QUOTA_ENDPOINT}
