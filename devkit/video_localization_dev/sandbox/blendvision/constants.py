"""Every fixed value of the BlendVision One emulator, so each guess lives in exactly one place.

Found (document or vendor-notes.md): paths, headers, enum words, body and field names, the 100 MB
multipart threshold and the google.rpc.Status error shape.

Inferred: (the document and the notes are silent; each guess is one constant below)
- SANDBOX_API_TOKEN / SANDBOX_ORG_ID: the sandbox's credentials.
- MISSING_ORG_ID_STATUS: a valid token without `x-bv-org-id` is refused with 403 PERMISSION_DENIED.
- ERROR_DOMAIN, REASON_*: `ErrorInfo.domain` and the UPPER_SNAKE reasons of errors and failed jobs.
- CLIENT_JOB_ID_PATTERN, DUPLICATE_JOB_*: a client-chosen `dubbing_job.id` is honoured; reusing it is
  409 ALREADY_EXISTS (gRPC 6).
- REJECT_UNKNOWN_FIELDS: unknown JSON fields are 400 (grpc-gateway's default unmarshaler does this).
- DECIMAL_MAX_LENGTH, DECIMAL_MAX_SCALE, DECIMAL_REJECT_EXCESS_SCALE: supported precision of
  `interval_sec` (milliseconds); more fractional digits are rejected with 400, not rounded.
- INTERVAL_REQUIRES_BOTH_ENDS: an `interval_sec` must carry both `start` and `end`.
- LANG_CODE_PATTERN: `xx` or `xx-YY` (lower-case ISO 639-1, upper-case ISO 3166-1 alpha-2, hyphen).
- REJECT_SAME_SOURCE_AND_TARGET: an output language equal to the source language is 400.
- ACCEPTED_FILE_TYPES / ACCEPTED_FILE_SOURCES: the library file enums the emulator takes.
- FIRST_PART_NUMBER, DEFAULT_PART_SIZE_BYTES, MAX_PARTS: multipart numbering and part size.
- MIN_PART_IS_EVEN_SPLIT: the upload answer lists part URLs but no part sizes, so a client can only
  split `size` evenly over them; every part but the last must hold at least ceil(size / parts) bytes
  (S3's EntityTooSmall scaled to the part count); larger parts (e.g. `part_size_bytes` each) pass too.
- UPLOAD_COMPLETE_IS_IDEMPOTENT: repeating `:complete-upload` with the same etags answers 200 again.
- JOB_STAGES_CREATED / JOB_STAGES_PROCESSING: how many sandbox steps each job status lasts.
- DEFAULT_ITEMS_PER_PAGE / MAX_ITEMS_PER_PAGE / LIST_FILTERS: list paging and the `filter.*` params.
- OUTPUT_FILENAME_TEMPLATE: the library name of a dubbed output file.
"""

from __future__ import annotations

import re

VENDOR = "blendvision"
ROUTE_PREFIX = "/blendvision"  # the sandbox serves this vendor under its name
API_BASE = "/bv/cms/v1"
STORAGE_BASE = "/_storage"  # stands for the S3 bucket behind the presigned links

# -- credentials (inferred) --------------------------------------------------------------------------
SANDBOX_API_TOKEN = "bv-sandbox-api-token"  # noqa: S105 (a public sandbox credential)
SANDBOX_ORG_ID = "5f0e3c1a-8b2d-4c6e-9a7f-b1e0d5c0ffee"
ORG_HEADER = "x-bv-org-id"
MISSING_ORG_ID_STATUS = 403

# -- errors ------------------------------------------------------------------------------------------
ERROR_DOMAIN = "cms.one.blendvision.com"
ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"

REASON_TOKEN_MISSING = "API_TOKEN_MISSING"  # noqa: S105
REASON_TOKEN_INVALID = "API_TOKEN_INVALID"  # noqa: S105
REASON_ORG_ID_MISSING = "ORG_ID_MISSING"
REASON_ORG_ID_MISMATCH = "ORG_ID_MISMATCH"
REASON_MALFORMED_BODY = "MALFORMED_REQUEST_BODY"
REASON_FIELD_VIOLATION = "FIELD_VIOLATION"
REASON_NOT_FOUND = "RESOURCE_NOT_FOUND"
REASON_FILE_NOT_UPLOADED = "FILE_UPLOAD_NOT_COMPLETED"
REASON_FILE_ALREADY_COMPLETED = "FILE_UPLOAD_ALREADY_COMPLETED"
REASON_FILE_TOO_LARGE = "FILE_TOO_LARGE"
REASON_UPLOAD_ID_MISMATCH = "UPLOAD_ID_MISMATCH"
REASON_UPLOAD_PART_MISSING = "UPLOAD_PART_MISSING"
REASON_UPLOAD_ETAG_MISMATCH = "UPLOAD_ETAG_MISMATCH"
REASON_UPLOAD_SIZE_MISMATCH = "UPLOAD_SIZE_MISMATCH"
REASON_UPLOAD_CHECKSUM_MISMATCH = "UPLOAD_CHECKSUM_MISMATCH"
REASON_INTERVAL_OUT_OF_RANGE = "INTERVAL_OUT_OF_RANGE"
DUPLICATE_JOB_STATUS = 409
DUPLICATE_JOB_REASON = "DUBBING_JOB_ALREADY_EXISTS"

# Reasons in a failed job's `error_infos` (each reached by a real property of the source media).
REASON_SOURCE_MEDIA_UNSUPPORTED = "SOURCE_MEDIA_UNSUPPORTED"
REASON_SOURCE_VIDEO_MISSING = "SOURCE_VIDEO_MISSING"
REASON_SOURCE_AUDIO_MISSING = "SOURCE_AUDIO_MISSING"
REASON_NO_SPEECH_DETECTED = "NO_SPEECH_DETECTED"
# Guessed: the document names no reason for a job that failed on BlendVision's side; used by injected faults.
REASON_DUBBING_FAILED = "DUBBING_FAILED"

# -- request parsing ---------------------------------------------------------------------------------
REJECT_UNKNOWN_FIELDS = True

# -- dubbing jobs --------------------------------------------------------------------------------------
SOURCE_TYPES = ("DUBBING_SOURCE_TYPE_VIDEO", "DUBBING_SOURCE_TYPE_AUDIO")
STATUS_CREATED = "DUBBING_STATUS_CREATED"
STATUS_PROCESSING = "DUBBING_STATUS_PROCESSING"
STATUS_SUCCEEDED = "DUBBING_STATUS_SUCCEEDED"
STATUS_FAILED = "DUBBING_STATUS_FAILED"
STATUSES = (STATUS_CREATED, STATUS_PROCESSING, STATUS_SUCCEEDED, STATUS_FAILED)
OUTPUTS_MAX_ITEMS = 1  # found: "MaxItems: 1"

CLIENT_JOB_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
LANG_CODE_PATTERN = re.compile(r"(?P<language>[a-z]{2})(?:-(?P<region>[A-Z]{2}))?")
REJECT_SAME_SOURCE_AND_TARGET = True

DECIMAL_MAX_LENGTH = 64
DECIMAL_MAX_SCALE = 3
DECIMAL_REJECT_EXCESS_SCALE = True
INTERVAL_REQUIRES_BOTH_ENDS = True

JOB_STAGES_CREATED = 1
JOB_STAGES_PROCESSING = 2

DEFAULT_ITEMS_PER_PAGE = 10  # found on the platform's other list endpoints
MAX_ITEMS_PER_PAGE = 100
LIST_FILTERS = ("filter.status", "filter.source_id")

OUTPUT_FILENAME_TEMPLATE = "{stem}.{lang_code}.mp4"

# -- library files -------------------------------------------------------------------------------------
ACCEPTED_FILE_TYPES = ("FILE_TYPE_VIDEO", "FILE_TYPE_AUDIO")
ACCEPTED_FILE_SOURCES = ("FILE_SOURCE_ADD_VOD", "FILE_SOURCE_ADD_AOD")
MULTIPART_THRESHOLD_BYTES = 100 * 1000 * 1000  # found: "a file that exceeds 100MB" gets several URLs
DEFAULT_PART_SIZE_BYTES = 5 * 1024 * 1024  # found: parts are 5 MiB-5 GiB; the exact size is inferred
MAX_PARTS = 10_000
FIRST_PART_NUMBER = 1
MIN_PART_IS_EVEN_SPLIT = True
UPLOAD_COMPLETE_IS_IDEMPOTENT = True
