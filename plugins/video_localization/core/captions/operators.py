"""ConvertCaptionsOperator: one language's SRT (a dubbing vendor's, or Rev's) -> every requested format."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import BaseOperator


class ConvertCaptionsOperator(BaseOperator):
    """Convert `srt_path` (a path or an object-storage URI) into `<output_dir>/captions/`, locally.

    Returns `{"locale", "source": <srt uri>, "files": [StoredFile dicts], "notes": [...], "converted_at"}`.
    `notes` lists what a format had to change (SCC captions CEA-608 could only show late). Bad input
    (a format or language the conversion cannot serve, text a format cannot carry) fails the task with
    the field, the value and what is allowed, and writes nothing.

    :param srt_path: the SRT to convert (a path or an object-storage URI; templated).
    :param output_dir: the language's output folder; files go to its `captions/` folder.
    :param locale: the captions' language (a project tag).
    :param formats: the caption formats to write (see `CaptionFormat`).
    :param video_stem: the video's file stem, for formats named after the video (`video.fr_FR.srt`).
    """

    template_fields: Sequence[str] = ("srt_path", "output_dir", "locale", "formats", "video_stem")
    ui_color = "#f2f7e8"

    def __init__(
        self,
        *,
        srt_path: str,
        output_dir: str,
        locale: str,
        formats: Sequence[str],
        video_stem: str = "video",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.srt_path = srt_path
        self.output_dir = output_dir
        self.locale = locale
        self.formats = formats
        self.video_stem = video_stem

    def execute(self, context: Any) -> dict[str, Any]:
        # Imported here, not at parse time: the converters pull in pycaption and ttconv (see core/lazy.py).
        from video_localization.core.captions.convert import convert_srt_file

        notes: list[str] = []
        files = convert_srt_file(
            self.srt_path, self.output_dir, self.formats, self.locale, video_stem=self.video_stem, notes=notes
        )
        return {
            "locale": self.locale,
            "source": str(self.srt_path),
            "files": files,
            "notes": notes,
            "converted_at": datetime.now(UTC).isoformat(),
        }
