"""The captions step of `localize_video`: one task per language making every requested format at once.

From the dubbing vendor (`captions_source: dubbing`): the language's SRT (the one the deliver step saved,
or Panjaya's transcript of the source for the source language) converted here into every other format;
the SRT itself is the SubRip file, so each language has exactly one SRT. From Rev: one order per language
(submit once, deferrable, through Rev's own operator), then every format downloaded. Files land beside the
video: `<run>/<locale>/<title>.<locale>.<ext>`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import BaseOperator

from video_localization.core.dubbing_operators import NestedVendorStepOperator


class LanguageCaptionsOperator(NestedVendorStepOperator):
    """Every requested caption format of one language: `{"locale", "files", "notes", "order_number"}`."""

    template_fields: Sequence[str] = ("job",)
    ui_color = "#f2f7e8"

    def __init__(self, *, job: Mapping[str, Any] | Any, **kwargs: Any) -> None:
        kwargs.setdefault("plan", {})
        super().__init__(**kwargs)
        self.job = job

    def execute(self, context: Any) -> Any:
        if self.job["captions_source"] == "rev":
            return self.advance(context, {"stage": "order", "method": "execute"})
        return self._convert()

    # -- Rev -------------------------------------------------------------------------------------------
    def build(self, state: dict[str, Any]) -> BaseOperator:
        from video_localization.rev.operators import RevCaptionOrderOperator, RevDownloadCaptionsOperator

        job = self.job
        if state["stage"] == "order":
            return RevCaptionOrderOperator(
                task_id="captions_rev_order",
                locale=job["locale"],
                formats=list(job["formats"]),
                source=job["media"],
                burned_in=bool(job["burned_in"]),
                **self.operator_kwargs(),
            )
        return RevDownloadCaptionsOperator(
            task_id="captions_rev_download",
            order_number=state["order_number"],
            output_dir=job["output_dir"],
            locale=job["locale"],
            formats=list(job["formats"]),
            include_burned_in=bool(job["burned_in"]),
            video_stem=job["video_stem"],
            captions_folder="",
            name_prefix=job["video_stem"],
        )

    def advance(self, context: Any, state: dict[str, Any]) -> Any:
        result = self.run_step(context, state)
        if state["stage"] == "order":
            return self.advance(
                context, {"stage": "download", "method": "execute", "order_number": result["order_number"]}
            )
        files = [
            {**entry, "format": _format_of(entry["name"], self.job["formats"])} for entry in result["files"]
        ]
        return {
            "locale": self.job["locale"],
            "files": files,
            "order_number": result["order_number"],
            "notes": result.get("comments", []),
            "made_at": datetime.now(UTC).isoformat(),
        }

    # -- converted here ---------------------------------------------------------------------------------
    def _convert(self) -> dict[str, Any]:
        from video_localization.core.captions.convert import convert_srt
        from video_localization.core.storage import StoredFile, as_storage_path, write_bytes

        job = self.job
        folder = as_storage_path(job["output_dir"])
        srt_path = as_storage_path(job["srt"]) if job.get("srt") else folder / f"{job['file_stem']}.srt"
        if not job.get("srt"):
            self._save_transcript(srt_path)
        data = srt_path.read_bytes()
        files: list[dict[str, Any]] = []
        notes: list[str] = []
        others = [fmt for fmt in job["formats"] if fmt != "SubRip"]
        if "SubRip" in job["formats"]:
            import hashlib

            stored = StoredFile(
                str(srt_path),
                srt_path.name,
                len(data),
                hashlib.sha256(data).hexdigest(),
                "application/x-subrip",
            )
            files.append({**stored.to_dict(), "format": "SubRip"})
        if others:
            rendered = convert_srt(
                data, job["locale"], others, video_stem=job["video_stem"], source=str(srt_path)
            )
            for item in rendered:
                name = item.filename
                if not name.startswith(f"{job['video_stem']}."):
                    name = f"{job['video_stem']}.{name}"
                stored = write_bytes(folder / name, item.data, item.content_type)
                files.append({**stored.to_dict(), "format": item.format.value})
                notes += [f"{item.format.value}: {note}" for note in item.notes]
        return {
            "locale": job["locale"],
            "files": files,
            "notes": notes,
            "made_at": datetime.now(UTC).isoformat(),
        }

    def _save_transcript(self, destination: Any) -> None:
        """Panjaya's transcript of the source language, saved as the source language's SRT."""
        from video_localization.core.storage import write_bytes
        from video_localization.panjaya.hook import PanjayaHook
        from video_localization.panjaya.models import SrtLocality

        version = self.job.get("transcript_version_id")
        if not version:
            raise ValueError(f"no Panjaya version to take the {self.job['locale']} transcript from")
        text = PanjayaHook().get_srt(version, SrtLocality.SOURCE)
        write_bytes(destination, text.encode(), "application/x-subrip")


def _format_of(name: str, formats: Sequence[str]) -> str:
    """The requested format a downloaded file is (by the suffix the caption registry gives it)."""
    from video_localization.core.captions.formats import FORMATS, CaptionFormat

    for fmt in formats:
        suffix = FORMATS[CaptionFormat(fmt)].suffix
        if name.endswith(f".{suffix}"):
            return fmt
    return "mp4" if name.endswith(".mp4") else name.rsplit(".", 1)[-1]
