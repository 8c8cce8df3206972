"""The Panjaya wire vocabulary: keys, locales, status words, error codes, limits and every inferred guess.

Documented values are copied from the vendor document; values it leaves out are the project's decisions
and each lives in exactly one constant below, marked "Inferred".
"""

from __future__ import annotations

VENDOR = "panjaya"

# -- authentication (document: `Authorization: Bearer panjaya-{YOUR_API_KEY}`) --------------------------
AUTH_SCHEME = "Bearer"
KEY_PREFIX = "panjaya-"
SANDBOX_API_KEYS = frozenset({"sandbox-key"})

# -- locales (document: "Languages support" table) -------------------------------------------------------
_ALL_LOCALES = (
    "ar-AE", "bg-BG", "zh-CN", "hr-HR", "cs-CZ", "da-DK", "nl-NL", "en-US", "fil-PH", "fi-FI", "fr-FR",
    "de-DE", "el-GR", "he-IL", "hi-IN", "hu-HU", "id-ID", "it-IT", "ja-JP", "ko-KR", "lt-LT", "ms-MY",
    "nb-NO", "pl-PL", "pt-BR", "pt-PT", "ro-RO", "ru-RU", "sk-SK", "es-ES", "es-MX", "sv-SE", "ta-IN",
    "th-TH", "tr-TR", "uk-UA", "ur-IN", "vi-VN",
)  # fmt: skip
SOURCE_LOCALES = frozenset(_ALL_LOCALES) - {"th-TH"}
TARGET_LOCALES = frozenset(_ALL_LOCALES) - {"he-IL", "ur-IN"}

# -- asset status words. Inferred: the document names only `Failed` for assets. -------------------------
ASSET_PROCESSING = "Processing"
ASSET_READY = "Ready"
ASSET_FAILED = "Failed"
ASSET_STATUSES = (ASSET_PROCESSING, ASSET_READY, ASSET_FAILED)

# -- version status words (document, exact casing) -------------------------------------------------------
VERSION_NOT_READY = "NotReady"
VERSION_READY_TO_EDIT = "ReadyToEdit"
VERSION_GENERATING = "Generating"
VERSION_COMPLETED = "Completed"
VERSION_FAILED = "Failed"
REVISABLE_STATUSES = frozenset({VERSION_COMPLETED, VERSION_READY_TO_EDIT, VERSION_FAILED})
GENERATABLE_STATUSES = frozenset({VERSION_READY_TO_EDIT})

# -- lips models (document) ------------------------------------------------------------------------------
LIPS_MODELS = ("real_face", "real_face_turbo")
DEFAULT_LIPS_MODEL = "real_face"

# -- asset error codes (document) ------------------------------------------------------------------------
INVALID_INPUT = "invalid_input"
UNSUPPORTED_MEDIA = "unsupported_media"
EMPTY_TRANSCRIPT = "empty_transcript"
MISSING_AUDIO_TRACK = "missing_audio_track"
VIDEO_DURATION_LIMIT_REACHED = "video_duration_limit_reached"
VIDEO_SIZE_LIMIT_REACHED = "video_size_limit_reached"
TIME_OUT_OF_RANGE = "time_out_of_range"

# -- version error codes. Inferred: the document lists no version error codes. ---------------------------
VERSION_ERROR_INVALID_SRT = "invalid_srt"
VERSION_ERROR_GENERATION_FAILED = "generation_failed"

# -- callback events (document) --------------------------------------------------------------------------
EVENT_ASSET_FAILED = "asset_failed"
EVENT_VERSION_READY = "version_ready"
EVENT_VERSION_FAILED = "version_failed"
EVENT_VERSION_GENERATING = "version_generating"
EVENT_VERSION_GENERATED = "version_generated"
EVENT_VERSION_GENERATE_FAILED = "version_generate_failed"
SIGNATURE_HEADER = "X-Signature"
SIGNATURE_ALGORITHM_HEADER = "X-Signature-Algorithm"  # Inferred: the document names only X-Signature.
SIGNATURE_ALGORITHM = "ES256"

# -- studio links (document: default 3 hours) ------------------------------------------------------------
DEFAULT_STUDIO_EXPIRATION_MINUTES = 180
MAX_STUDIO_EXPIRATION_MINUTES = 10080  # Inferred: one week.

# -- subtitles -------------------------------------------------------------------------------------------
SRT_MEDIA_TYPE = "application/x-subrip"
LOCALITIES = ("source", "target")
DEFAULT_LOCALITY = "target"  # Inferred.

# -- answer fields the document never prints, which the project's client only guesses (core.guesses
# PANJAYA_ANSWER_LOCALE, PANJAYA_ASSET_NAME). Served by default; `POST /panjaya/_sandbox/omit-inferred-fields`
# `{"omit": true}` leaves them out of every asset and version answer (callbacks keep the version locale,
# which the document does name).
INFERRED_ANSWER_FIELDS = frozenset({"locale", "name"})

# -- pagination ------------------------------------------------------------------------------------------
DEFAULT_PAGE_SIZE = 20  # Inferred.
MAX_PAGE_SIZE = 100  # Inferred.

# -- timing: how many sandbox stages each step lasts. Inferred. ------------------------------------------
ASSET_PROCESSING_STAGES = 2
VERSION_PREPARING_STAGES = 1
VERSION_GENERATING_STAGES = 2

# -- account limits and media rules. Inferred. -----------------------------------------------------------
# 403 "account limitations": creating an asset beyond this many per account.
MAX_ASSETS_PER_ACCOUNT = 500
# The canned transcript of every clip; `speakers_count` above its number of utterances is `invalid_input`
# ("Ensure all provided fields match the asset's properties"): a clip cannot hold more speakers than
# utterances.
SOURCE_TRANSCRIPT = (
    "Hello and welcome.",
    "This short clip is the sample video of the video localization project.",
    "Every vendor dubs it into another language.",
)
MEDIA_FETCH_TIMEOUT_SECONDS = 30.0
# Inferred: a machine "translation" marks each source cue with the target locale.
MACHINE_TRANSLATION_PREFIX = "[{locale}] "
# Inferred: public, unsigned and signed studio pages, and generated results, live under these paths.
STUDIO_PATH = "/panjaya/studio/versions/{version_id}"
RESULT_PATH = "/panjaya/results/{version_id}/{generation_id}.mp4"
# Inferred: a revise that moves a Completed or Failed version back to ReadyToEdit announces it with
# `version_ready` ("the version is ready for QC and additional editing").
REVISE_FIRES_VERSION_READY = True
