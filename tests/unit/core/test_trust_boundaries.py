"""Trust boundaries at plan time: a table of bad inputs, each refused naming field, value and what is
allowed, with no request reaching any vendor (the sandbox counts every request it answers).

Covers both DAGs' plans (`localize_video` with Panjaya, Akool, BlendVision and Rev captions;
`talking_head_video` with CDNvideo) and the intake (requests dropped in an inbox; the inbox itself).
Roots are configured per test in temporary folders, as a deployment configures them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from video_localization.core.errors import InvalidInputError, InvalidInputs
from video_localization.core.trust import check_inbox
from video_localization.pipelines import intake, localize, talking_head
from video_localization_dev.media import media_dir
from video_localization_dev.sandbox.server import RunningSandbox

SIGNATURE = "9f" * 32  # a fake X-Amz-Signature: must never appear in a refusal


@dataclass
class World:
    """The configured roots of one test and the files in them."""

    sandbox: RunningSandbox
    sources: Path  # the only source root
    outputs: Path  # the only output root
    outside: Path  # a folder outside every root
    inbox: Path  # the only inbox root
    files: dict[str, Path] = field(default_factory=dict)

    def media_url(self, name: str = "sample.mp4") -> str:
        return f"{self.sandbox.url}/_sandbox/media/{name}"


@pytest.fixture
def world(vendor_connections: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    sources, outputs, outside, inbox = (tmp_path / name for name in ("media", "out", "outside", "inbox"))
    for folder in (sources, outputs, outside, inbox):
        folder.mkdir()
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__SOURCE_ROOTS", str(sources))
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__OUTPUT_ROOTS", str(outputs))
    monkeypatch.setenv("AIRFLOW__VIDEO_LOCALIZATION__INBOX_ROOTS", str(inbox))
    sample = media_dir() / "sample.mp4"
    files = {
        "sample": sources / "sample.mp4",
        "outside_video": outside / "elsewhere.mp4",
        "text_as_mp4": sources / "notes.mp4",
        "png_as_mp4": sources / "picture.mp4",
        "empty_mp4": sources / "empty.mp4",
        "heif_as_mp4": sources / "photo.mp4",
        "pdf_as_mov": sources / "slides.mov",
        "video_named_txt": sources / "clip.txt",
        "link_to_passwd": sources / "passwd.mp4",
        "link_outside": sources / "linked.mp4",
        "link_inside": sources / "alias.mp4",
        "out_link": outputs / "escape",
    }
    shutil.copy(sample, files["sample"])
    shutil.copy(sample, files["outside_video"])
    shutil.copy(sample, files["video_named_txt"])
    files["text_as_mp4"].write_text("root:x:0:0:root:/root:/bin/bash\n")
    files["png_as_mp4"].write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    files["empty_mp4"].write_bytes(b"")
    files["heif_as_mp4"].write_bytes(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64)
    files["pdf_as_mov"].write_bytes(b"%PDF-1.7\n" + b"\0" * 64)
    files["link_to_passwd"].symlink_to("/etc/passwd")
    files["link_outside"].symlink_to(files["outside_video"])
    files["link_inside"].symlink_to(files["sample"])
    files["out_link"].symlink_to(outside, target_is_directory=True)
    return World(vendor_connections, sources, outputs, outside, inbox, files)


# -- the table -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """A bad input: which plan, what to change in a good request, and the refusal expected."""

    name: str
    dag: str  # "panjaya" | "akool" | "blendvision" | "rev" (localize_video) | "cdnvideo" (talking_head)
    change: Callable[[World], dict[str, Any]]
    field: str
    allowed: str  # a part of what the refusal says is allowed
    value: Callable[[World], Any] | None = None  # the value the refusal names (default: the changed one)
    env: Callable[[World], dict[str, str | None]] | None = None  # connections to set (None: remove)


def _good(world: World, dag: str) -> dict[str, Any]:
    if dag == "cdnvideo":
        conf = {key: param.value for key, param in talking_head.params().items()}
        return {**conf, "output_location": str(world.outputs / "th")}
    conf = {key: param.value for key, param in localize.params().items()}
    conf.update(
        source=str(world.files["sample"]),
        source_language="en-US",
        target_languages=["fr-FR"],
        dubbing_vendor=dag if dag in localize.DUBBING_VENDORS else "panjaya",
        output_location=str(world.outputs / "runs"),
    )
    if dag == "akool":
        conf["source"] = world.media_url()
    if dag == "blendvision":
        conf["target_languages"] = ["es-ES"]
    if dag == "rev":
        conf.update(caption_formats=["SubRip"], captions_source="rev")
    return conf


def _source(value: Callable[[World], str], allowed: str = "files only under") -> Callable[..., Case]:
    def make(name: str, dag: str) -> Case:
        return Case(name, dag, lambda w: {"source": value(w)}, "source", allowed)

    return make


PATH_SOURCES = {
    "etc-passwd": _source(lambda w: "/etc/passwd"),
    "proc-self-environ": _source(lambda w: "/proc/self/environ"),
    "dot-dot-climb": _source(lambda w: f"{w.sources}/../../../etc/passwd"),
    "dot-dot-to-outside-video": _source(lambda w: f"{w.sources}/../outside/elsewhere.mp4"),
    "symlink-to-passwd": _source(lambda w: str(w.files["link_to_passwd"])),
    "symlink-to-video-outside": _source(lambda w: str(w.files["link_outside"])),
    "video-outside-roots": _source(lambda w: str(w.files["outside_video"])),
    "file-uri-passwd": _source(lambda w: "file:///etc/passwd"),
    "home-tilde": _source(lambda w: "~/.ssh/id_rsa"),
    "text-named-mp4": _source(lambda w: str(w.files["text_as_mp4"]), "a video file"),
    "png-named-mp4": _source(lambda w: str(w.files["png_as_mp4"]), "a video file"),
    "empty-named-mp4": _source(lambda w: str(w.files["empty_mp4"]), "a video file"),
    "heif-named-mp4": _source(lambda w: str(w.files["heif_as_mp4"]), "a video file"),
    "pdf-named-mov": _source(lambda w: str(w.files["pdf_as_mov"]), "a video file"),
    "missing-in-root": _source(lambda w: str(w.sources / "nope.mp4")),
    "nul-byte": _source(lambda w: f"{w.files['sample']}\x00.txt", "without control, NUL"),
    "rtl-override": _source(lambda w: f"{w.sources}/\u202e4pm.exe", "bidirectional-override"),
    "newline": _source(lambda w: f"{w.files['sample']}\n/etc/passwd", "without control"),
    "ftp-scheme": _source(lambda w: "ftp://example.com/v.mp4", "an http(s) URL"),
    "s3-outside-roots": _source(lambda w: "s3://someone-elses-bucket/v.mp4"),
    "blank": _source(lambda w: "   ", "an http(s) URL"),
}

URL_SOURCES = {
    "loopback-ssh": "http://127.0.0.1:22/v.mp4",
    "metadata-service": "http://169.254.169.254/latest/meta-data/iam/",
    "localhost": "http://localhost/v.mp4",
    "localhost-subdomain": "http://video.localhost/v.mp4",
    "ipv6-loopback": "http://[::1]/v.mp4",
    "ipv6-link-local": "http://[fe80::1]/v.mp4",
    "ipv4-mapped-loopback": "http://[::ffff:127.0.0.1]/v.mp4",
    "private-10": "http://10.0.0.5/v.mp4",
    "private-172": "https://172.16.0.1/v.mp4",
    "private-192": "http://192.168.1.1/v.mp4",
    "shared-100-64": "http://100.64.0.1/v.mp4",
    "unspecified": "http://0.0.0.0/v.mp4",
    "multicast": "http://224.0.0.1/v.mp4",
    "decimal-loopback": "http://2130706433/v.mp4",
    "hex-loopback": "http://0x7f.1/v.mp4",
    "short-loopback": "http://127.1/v.mp4",
    "unresolvable": "https://videos.example.invalid/v.mp4",
    "sandbox-host-other-port": "http://127.0.0.1:1/v.mp4",
}


def _url_case(name: str, dag: str, url: str) -> Case:
    return Case(name, dag, lambda w: {"source": url}, "source", "a public host")


def _signed_private(name: str, dag: str) -> Case:
    url = f"https://user:pass@10.1.2.3/v.mp4?X-Amz-Signature={SIGNATURE}"
    shown = "https://<redacted>@10.1.2.3/v.mp4?<redacted>"
    return Case(name, dag, lambda w: {"source": url}, "source", "a public host", value=lambda w: shown)


def _output(value: Callable[[World], str], allowed: str = "under") -> Callable[..., Case]:
    def make(name: str, dag: str) -> Case:
        return Case(name, dag, lambda w: {"output_location": value(w)}, "output_location", allowed)

    return make


OUTPUTS = {
    "relative-climb": _output(lambda w: "../../etc"),
    "climb-out-of-root": _output(lambda w: f"{w.outputs}/runs/../../outside"),
    "etc-cron": _output(lambda w: "/etc/cron.d"),
    "filesystem-root": _output(lambda w: "/"),
    "file-uri-etc": _output(lambda w: "file:///etc"),
    "home": _output(lambda w: "~/results"),
    "symlink-out-of-root": _output(lambda w: str(w.files["out_link"] / "runs")),
    "ftp-scheme": _output(lambda w: "ftp://example.com/out", "schemes: file"),
    "http-scheme": _output(lambda w: "http://example.com/out", "schemes: file"),
    "s3-outside-roots": _output(lambda w: "s3://someone-elses-bucket/out"),
    "rtl-override-name": _output(lambda w: f"{w.outputs}/\u202eexe.mp4", "bidirectional-override"),
    "nul-byte": _output(lambda w: f"{w.outputs}/a\x00b", "without control, NUL"),
    "newline": _output(lambda w: f"{w.outputs}/a\nb", "without control"),
    "zero-width-joiner": _output(lambda w: f"{w.outputs}/in\u200dvoice", "without control"),
}


def _conn(conn_id: str, conn: dict[str, Any] | None) -> Callable[[World], dict[str, str | None]]:
    return lambda w: {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn) if conn else None}


def _notify(host: str) -> dict[str, Any]:
    return {"conn_type": "http", "host": host, "schema": "http"}


CONNECTIONS = [
    Case("notify-missing", "panjaya", lambda w: {"notify_conn_id": "nowhere"}, "notify_conn_id", "existing"),
    Case(
        "notify-wrong-type",
        "panjaya",
        lambda w: {"notify_conn_id": "akool_default"},
        "notify_conn_id",
        "type http",
    ),
    Case(
        "notify-loopback",
        "akool",
        lambda w: {"notify_conn_id": "hook_local"},
        "notify_conn_id",
        "a public host",
        env=_conn("hook_local", _notify("127.0.0.1")),
    ),
    Case(
        "notify-metadata-service",
        "blendvision",
        lambda w: {"notify_conn_id": "hook_meta"},
        "notify_conn_id",
        "a public host",
        env=_conn("hook_meta", _notify("169.254.169.254")),
    ),
    Case(
        "notify-localhost-url-host",
        "rev",
        lambda w: {"notify_conn_id": "hook_url"},
        "notify_conn_id",
        "a public host",
        env=_conn("hook_url", _notify("http://localhost:8080/hook")),
    ),
    Case(
        "notify-private-range",
        "panjaya",
        lambda w: {"notify_conn_id": "hook_lan"},
        "notify_conn_id",
        "a public host",
        env=_conn("hook_lan", _notify("192.168.0.10")),
    ),
    Case(
        "panjaya-connection-missing",
        "panjaya",
        lambda w: {},
        "dubbing_vendor",
        "'panjaya_default' exists",
        value=lambda w: "panjaya",
        env=_conn("panjaya_default", None),
    ),
    Case(
        "akool-connection-wrong-type",
        "akool",
        lambda w: {},
        "dubbing_vendor",
        "type akool",
        value=lambda w: "akool",
        env=_conn("akool_default", {"conn_type": "http", "host": "example.com"}),
    ),
    Case(
        "blendvision-connection-missing",
        "blendvision",
        lambda w: {},
        "dubbing_vendor",
        "'blendvision_default' exists",
        value=lambda w: "blendvision",
        env=_conn("blendvision_default", None),
    ),
    Case(
        "rev-connection-missing",
        "rev",
        lambda w: {},
        "captions_source",
        "'rev_default' exists",
        value=lambda w: "rev",
        env=_conn("rev_default", None),
    ),
    Case(
        "cdnvideo-connection-missing",
        "cdnvideo",
        lambda w: {},
        "connection",
        "'cdnvideo_default' exists",
        value=lambda w: "cdnvideo_default",
        env=_conn("cdnvideo_default", None),
    ),
    Case(
        "cdnvideo-connection-wrong-type",
        "cdnvideo",
        lambda w: {},
        "connection",
        "type cdnvideo",
        value=lambda w: "cdnvideo_default",
        env=_conn("cdnvideo_default", {"conn_type": "panjaya", "password": "k"}),
    ),
]

UNKNOWN_KEYS = [
    Case("typo-human-review", "panjaya", lambda w: {"human_review": True}, "human_review", "review"),
    Case("typo-sorce", "akool", lambda w: {"sorce": "x"}, "sorce", "source"),
    Case(
        "singular-target", "blendvision", lambda w: {"target_language": "de-DE"}, "target_language", "dubbing"
    ),
    Case("rev-typo", "rev", lambda w: {"caption_format": ["Scc"]}, "caption_format", "caption_formats"),
    Case("th-singular-script", "cdnvideo", lambda w: {"script": "Hi"}, "script", "scripts"),
    Case("th-voice", "cdnvideo", lambda w: {"voice": "Katja"}, "voice", "voices"),
    Case("th-outputs", "cdnvideo", lambda w: {"outputs": "/tmp"}, "outputs", "output_location"),
]

MESSAGES = [
    # BlendVision blamed `file_name`; the user wrote `source`.
    Case(
        "blendvision-video-with-txt-name",
        "blendvision",
        lambda w: {"source": str(w.files["video_named_txt"])},
        "source",
        ".mp4",
    ),
    # An unknown emotion was reported against `voices`.
    Case("th-unknown-emotion", "cdnvideo", lambda w: {"emotion": "furious"}, "emotion", "neutral"),
]


def _cases() -> list[Case]:
    cases: list[Case] = []
    for dag in ("panjaya", "blendvision"):  # the vendors this project uploads local files to
        cases += [make(f"{dag}-source-{name}", dag) for name, make in PATH_SOURCES.items()]
    for dag in ("panjaya", "akool"):  # the vendors that fetch a URL themselves
        cases += [_url_case(f"{dag}-url-{name}", dag, url) for name, url in URL_SOURCES.items()]
        cases.append(_signed_private(f"{dag}-url-signed-private", dag))
    cases += [make(f"rev-source-{name}", "rev") for name, make in list(PATH_SOURCES.items())[:6]]
    for dag in ("panjaya", "cdnvideo"):  # localize_video and talking_head_video
        cases += [make(f"{dag}-output-{name}", dag) for name, make in OUTPUTS.items()]
    return cases + CONNECTIONS + UNKNOWN_KEYS + MESSAGES


CASES = _cases()


def _errors(raised: BaseException) -> list[InvalidInputError]:
    return raised.errors if isinstance(raised, InvalidInputs) else [raised]  # type: ignore[list-item]


def _plan(dag: str, conf: dict[str, Any]) -> dict[str, Any]:
    if dag == "cdnvideo":
        return talking_head.build_plan(conf, "run-trust")
    return localize.build_plan(conf, "run-trust")


def _refusal(raised: BaseException, case: Case, world: World, conf: dict[str, Any]) -> InvalidInputError:
    found = [error for error in _errors(raised) if error.field == case.field]
    assert found, f"{case.name}: no refusal of {case.field!r} in: {raised}"
    expected = case.value(world) if case.value else conf[case.field]
    error = found[0]
    assert error.value == expected, f"{case.name}: {error.value!r} != {expected!r}"
    assert case.allowed in error.allowed, f"{case.name}: {case.allowed!r} not in {error.allowed!r}"
    return error


def test_the_table_is_large_enough() -> None:
    assert len(CASES) + len(INTAKE_CASES) + len(INBOXES) >= 100
    assert len({case.name for case in CASES}) == len(CASES)
    assert {case.dag for case in CASES} == {"panjaya", "akool", "blendvision", "rev", "cdnvideo"}


@pytest.mark.parametrize("dag", ["panjaya", "akool", "blendvision", "rev", "cdnvideo"])
def test_the_good_requests_the_table_changes_are_planned(dag: str, world: World) -> None:
    plan = _plan(dag, _good(world, dag))
    assert str(world.outputs) in plan["run_dir"]
    assert world.sandbox.counters()["requests_by_vendor"] == {}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_bad_input_is_refused_at_plan_before_any_vendor_call(
    case: Case, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (case.env(world) if case.env else {}).items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    conf = {**_good(world, case.dag), **case.change(world)}
    with pytest.raises((InvalidInputError, InvalidInputs)) as refused:
        _plan(case.dag, conf)
    _refusal(refused.value, case, world, conf)
    assert SIGNATURE not in str(refused.value)
    assert world.sandbox.counters()["requests_by_vendor"] == {}


# -- the intake: requests dropped in the inbox, and the inbox itself --------------------------------------
INTAKE_CASES = [
    ("passwd", lambda w: {"source": "/etc/passwd"}, "source"),
    ("proc-environ", lambda w: {"source": "/proc/self/environ"}, "source"),
    ("symlink-to-passwd", lambda w: {"source": str(w.files["link_to_passwd"])}, "source"),
    ("text-named-mp4", lambda w: {"source": str(w.files["text_as_mp4"])}, "source"),
    ("metadata-url", lambda w: {"source": "http://169.254.169.254/v.mp4"}, "source"),
    ("output-climbs-out", lambda w: {"output": f"{w.outputs}/../outside"}, "output_location"),
    ("output-ftp", lambda w: {"output": "ftp://example.com/out"}, "output_location"),
    ("unknown-field", lambda w: {"human_review": True}, "human_review"),
    ("notify-missing", lambda w: {"notify_conn_id": "nowhere"}, "notify_conn_id"),
    ("rtl-output", lambda w: {"output": f"{w.outputs}/\u202egpj.exe"}, "output_location"),
]


@pytest.mark.parametrize(("name", "change", "field_name"), INTAKE_CASES, ids=[c[0] for c in INTAKE_CASES])
def test_the_intake_refuses_a_bad_request_into_failed_with_the_field(
    name: str, change: Callable[[World], dict[str, Any]], field_name: str, world: World
) -> None:
    request = {
        "source": str(world.files["sample"]),
        "source_language": "en-US",
        "targets": ["fr-FR"],
        "output": str(world.outputs / "intake"),
        **change(world),
    }
    (world.inbox / f"{name}.json").write_text(json.dumps(request))
    outcome = intake.claim_requests(str(world.inbox), 0)
    assert outcome["claimed"] == []
    [record] = [json.loads(p.read_text()) for p in (world.inbox / "failed").glob("*.error.json")]
    refusal = [error for error in record["errors"] if error.get("field") == field_name]
    assert refusal, record
    assert refusal[0]["allowed"]
    assert world.sandbox.counters()["requests_by_vendor"] == {}


INBOXES = [
    ("etc", lambda w: "/etc"),
    ("other-temp-folder", lambda w: str(w.outside)),
    ("climb-out-of-inbox", lambda w: f"{w.inbox}/../outside"),
    ("inside-but-not-the-inbox", lambda w: str(w.inbox / "processing")),
    ("rtl-override", lambda w: f"{w.inbox}\u202e"),
    ("nul-byte", lambda w: f"{w.inbox}\x00"),
    ("object-storage", lambda w: "s3://someone-elses-bucket/inbox"),
]


@pytest.mark.parametrize(("name", "value"), INBOXES, ids=[c[0] for c in INBOXES])
def test_an_inbox_that_is_not_configured_is_refused(
    name: str, value: Callable[[World], str], world: World
) -> None:
    chosen = value(world)
    with pytest.raises(InvalidInputError) as refused:
        check_inbox("inbox", chosen)
    assert refused.value.field == "inbox"
    assert refused.value.value == chosen
    assert str(world.inbox) in refused.value.allowed
    assert check_inbox("inbox", str(world.inbox)) == str(world.inbox)
    assert check_inbox("inbox", f"{world.inbox}/") == str(world.inbox)
