"""The `localize_video` trigger form: Params with JSON schema, grouped in sections, languages shown by name.

Kept light on purpose (no pydantic model, no vendor module, no caption library): the DAG file builds its
Params from here at parse time.

How Airflow 3.3's form marks a field "required" (read in its UI source, `airflow/ui`): a red mark on every
field whose schema `type` does not include `"null"`. So fields a user must fill (the source, its language,
the targets, the vendor choice) have a plain type, and every option with a sensible default is nullable
(`["boolean", "null"]`, ...): it shows no mark, and an empty value means "the default". Select boxes use
`values_display` so users read names (`French (fr-FR)`), not bare codes.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param

from video_localization.core.captions.formats import CaptionFormat
from video_localization.core.config import setting
from video_localization.core.dubbing import DUBBING_VENDORS, VENDOR_NAMES
from video_localization.core.languages import vendor_languages

AUTO = "auto"
#: Where captions come from: the dubbing vendor's SRT converted here, or a Rev order per language.
CAPTIONS_SOURCE_CHOICES = ("dubbing", "rev")
#: Panjaya's `lips_model` values (`panjaya.models.LipsModel`; a unit test keeps the two equal).
LIPS_MODELS = ("real_face", "real_face_turbo")
#: Schemes the project reads and uploads itself (streamed); http(s) sources are fetched by the vendor.
STORAGE_SCHEMES = ["file", "s3", "gs", "gcs", "az", "abfs", "abfss"]
SOURCE_HELP = (
    "an http(s) URL, a local path, or an object-storage URI ("
    + ", ".join(f"{scheme}://" for scheme in STORAGE_SCHEMES)
    + ")"
)

SECTION_SOURCE = "Source"
SECTION_LANGUAGES = "Languages and vendors"
SECTION_DUBBING = "Dubbing options (every vendor)"
SECTION_PANJAYA = "Panjaya options"
SECTION_AKOOL = "Akool options"
SECTION_CAPTIONS = "Captions"
SECTION_DELIVERY = "Delivery"


def default_output_location() -> str:
    """The `[video_localization] output_root` setting."""
    return setting("output_root")


def default_source() -> str:
    """The `[video_localization] default_source` setting (empty: the form asks for one). The demo stack
    sets the sandbox's http URL of the sample, which every vendor takes."""
    return setting("default_source")


def language_display(tags: list[str]) -> dict[str, str]:
    """`{"fr-FR": "French (fr-FR)"}` from the vendors' language tables."""
    names: dict[str, str] = {}
    for vendor in DUBBING_VENDORS:
        for language in vendor_languages(vendor):
            names.setdefault(language.tag, language.name)
    return {tag: f"{names.get(tag, tag)} ({tag})" for tag in tags}


def _union(lists: Any) -> list[str]:
    return sorted({tag for tags in lists for tag in tags})


def params() -> dict[str, Param]:
    """The trigger form: JSON schema so the UI (and the REST API) reject malformed values up front."""
    sources = _union(vendor_languages(vendor).sources() for vendor in DUBBING_VENDORS)
    targets = _union(vendor_languages(vendor).targets() for vendor in DUBBING_VENDORS)
    vendor_display = {vendor: VENDOR_NAMES[vendor] for vendor in DUBBING_VENDORS}
    formats = [fmt.value for fmt in CaptionFormat]
    return {
        # -- Source ---------------------------------------------------------------------------------
        "source": Param(
            default_source(),
            type="string",
            minLength=1,
            title="Source video",
            description=f"The video to localize: {SOURCE_HELP}. Akool takes http(s) URLs only.",
            section=SECTION_SOURCE,
        ),
        "title": Param(
            None,
            type=["string", "null"],
            maxLength=120,
            title="Title",
            description="Names the deliverables (<date>-<title>/<locale>/<title>.<locale>.mp4); "
            "empty = the source file's name.",
            section=SECTION_SOURCE,
        ),
        "source_language": Param(
            "en-US",
            type="string",
            enum=sources,
            values_display=language_display(sources),
            title="Source language",
            description="Spoken language of the source video.",
            section=SECTION_SOURCE,
        ),
        # -- Languages and vendors --------------------------------------------------------------------
        "target_languages": Param(
            ["fr-FR", "de-DE"],
            type="array",
            items={"type": "string", "enum": targets},
            minItems=1,
            uniqueItems=True,
            examples=targets,
            values_display=language_display(targets),
            title="Target languages",
            description="One dubbed video (and captions) per language.",
            section=SECTION_LANGUAGES,
        ),
        "dubbing_vendor": Param(
            AUTO,
            type="string",
            enum=[AUTO, *DUBBING_VENDORS],
            values_display={
                AUTO: "Automatic: each language to the first vendor that can dub it",
                **vendor_display,
            },
            title="Dubbing vendor",
            description="One vendor for every language, or automatic routing in the preference order below. "
            "The plan shows which vendor dubs which language and refuses languages no vendor takes.",
            section=SECTION_LANGUAGES,
        ),
        "vendor_preference": Param(
            list(DUBBING_VENDORS),
            type=["array", "null"],
            items={"type": "string", "enum": list(DUBBING_VENDORS)},
            uniqueItems=True,
            examples=list(DUBBING_VENDORS),
            values_display=vendor_display,
            title="Vendor preference (automatic routing, fallback)",
            description="First vendor first; vendors left out come last; empty = Panjaya, Akool, BlendVision",
            section=SECTION_LANGUAGES,
        ),
        "fallback": Param(
            False,
            type=["boolean", "null"],
            title="Fallback to the next vendor",
            description="When a vendor fails a language on its side (not bad input), dub it once at the next "
            "capable vendor. The manifest records the move; a failed vendor is never paid twice for it.",
            section=SECTION_LANGUAGES,
        ),
        "compare_vendors": Param(
            [],
            type=["array", "null"],
            items={"type": "string", "enum": list(DUBBING_VENDORS)},
            uniqueItems=True,
            maxItems=2,
            examples=list(DUBBING_VENDORS),
            values_display=vendor_display,
            title="Compare two vendors",
            description="Two vendors dub every target language side by side (both delivered, both listed); "
            "empty = no comparison. Overrides the dubbing vendor.",
            section=SECTION_LANGUAGES,
        ),
        # -- Dubbing options (every vendor) ----------------------------------------------------------
        "start_time": Param(
            None,
            type=["number", "null"],
            minimum=0,
            title="Start time (s)",
            description="Dub from this second on; empty = from the beginning (Panjaya, BlendVision).",
            section=SECTION_DUBBING,
        ),
        "end_time": Param(
            None,
            type=["number", "null"],
            exclusiveMinimum=0,
            title="End time (s)",
            description="Dub up to this second; empty = to the end (Panjaya, BlendVision).",
            section=SECTION_DUBBING,
        ),
        "review": Param(
            False,
            type=["boolean", "null"],
            title="Human review",
            description="A person approves each language in Panjaya's studio before its generation is paid.",
            section=SECTION_DUBBING,
        ),
        "lipsync": Param(
            False,
            type=["boolean", "null"],
            title="Lip sync",
            description="Lip-synced result: Panjaya always; Akool when asked (paid extra, sources up to "
            "60 s); BlendVision cannot.",
            section=SECTION_DUBBING,
        ),
        # -- Panjaya options -------------------------------------------------------------------------
        "lips_model": Param(
            None,
            type=["string", "null"],
            enum=[None, *LIPS_MODELS],
            values_display={
                "None": "Vendor default (real face)",
                "real_face": "Real face (highest quality)",
                "real_face_turbo": "Real face turbo (up to 4x faster)",
            },
            title="Lips model",
            description="Applies to the languages Panjaya dubs; ignored with a warning otherwise.",
            section=SECTION_PANJAYA,
        ),
        "voice_anonymization": Param(
            None,
            type=["number", "null"],
            minimum=0,
            maximum=1,
            title="Voice anonymization",
            description="0 keeps the speaker's voice, 1 makes it sound very different; empty = 0.",
            section=SECTION_PANJAYA,
        ),
        "speakers_count": Param(
            None,
            type=["integer", "null"],
            minimum=1,
            title="Number of speakers",
            description="Distinct speakers in the video (improves accuracy); empty = detected.",
            section=SECTION_PANJAYA,
        ),
        # -- Akool options ---------------------------------------------------------------------------
        "face_enhance": Param(
            False,
            type=["boolean", "null"],
            title="Face enhance",
            description="Only with lip sync; applies to the languages Akool dubs.",
            section=SECTION_AKOOL,
        ),
        # -- Captions --------------------------------------------------------------------------------
        "caption_formats": Param(
            [],
            type=["array", "null"],
            items={"type": "string", "enum": formats},
            uniqueItems=True,
            examples=formats,
            title="Caption formats",
            description="Caption files for the source and every target language, beside each video; "
            "empty = none.",
            section=SECTION_CAPTIONS,
        ),
        "captions_source": Param(
            "dubbing",
            type=["string", "null"],
            enum=[*CAPTIONS_SOURCE_CHOICES, None],
            values_display={
                "dubbing": "Dubbing vendor's subtitles, converted here (Panjaya)",
                "rev": "Rev (a caption order per language)",
                "None": "Dubbing vendor's subtitles (default)",
            },
            title="Captions from",
            description="dubbing: convert the dubbing vendor's SRT here (only Panjaya gives one, so those "
            "languages go to Panjaya); rev: a Rev order per language (MCC, CheetahCap, AvidDvd: Rev only).",
            section=SECTION_CAPTIONS,
        ),
        "burned_in_captions": Param(
            False,
            type=["boolean", "null"],
            title="Burned-in captions video (Rev)",
            description="With captions from Rev: also a video with the captions drawn in, per language.",
            section=SECTION_CAPTIONS,
        ),
        # -- Delivery --------------------------------------------------------------------------------
        "output_location": Param(
            default_output_location(),
            type=["string", "null"],
            title="Output location",
            description="Folder or object-storage URI under the configured output roots; results land in "
            "<location>/<date>-<title>/<locale>/.",
            section=SECTION_DELIVERY,
        ),
        "notify_conn_id": Param(
            None,
            type=["string", "null"],
            title="Notify connection",
            description="HTTP connection to POST the manifest summary to at the end; empty = none.",
            section=SECTION_DELIVERY,
        ),
    }
