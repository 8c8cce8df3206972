"""The Akool wire vocabulary: accounts, business codes, languages, limits and every inferred guess.

Documented values are copied from the vendor document (and vendor-notes.md where the document is silent);
values both leave out are the project's decisions, and each lives in exactly one constant below, marked
"Inferred".
"""

from __future__ import annotations

from dataclasses import dataclass

VENDOR = "akool"
CREATED_KIND = "translation"

# -- accounts ----------------------------------------------------------------------------------------------
# Akool's pages: the API Key shown on the website *is* the clientSecret, and webhooks are AES-CBC encrypted
# with key = clientSecret bytes ("fixed at 24 characters", AES-192) and IV = clientId bytes (16 bytes).


@dataclass(frozen=True)
class Account:
    client_id: str
    client_secret: str
    uid: int
    banned: bool = False

    @property
    def api_key(self) -> str:
        return self.client_secret


SANDBOX_CLIENT_ID = "sandbox-clientid"  # 16 bytes: the AES IV
SANDBOX_CLIENT_SECRET = "sandbox-client-secret-24"  # noqa: S105 (24 bytes: the AES-192 key)
SANDBOX_API_KEY = SANDBOX_CLIENT_SECRET
# A second account, to reach 1009 (reading another account's job).
SANDBOX_OTHER_CLIENT_ID = "sandbox-other-id"
SANDBOX_OTHER_CLIENT_SECRET = "sandbox-other-secret-024"  # noqa: S105
SANDBOX_OTHER_API_KEY = SANDBOX_OTHER_CLIENT_SECRET
# A banned account, to reach 1200.
SANDBOX_BANNED_CLIENT_ID = "sandbox-banned01"
SANDBOX_BANNED_CLIENT_SECRET = "sandbox-banned-secret-24"  # noqa: S105
SANDBOX_BANNED_API_KEY = SANDBOX_BANNED_CLIENT_SECRET

ACCOUNTS = (
    Account(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, uid=101690),
    Account(SANDBOX_OTHER_CLIENT_ID, SANDBOX_OTHER_CLIENT_SECRET, uid=101691),
    Account(SANDBOX_BANNED_CLIENT_ID, SANDBOX_BANNED_CLIENT_SECRET, uid=101692, banned=True),
)
AUTH_SCHEME = "Bearer"
API_KEY_HEADER = "x-api-key"

# -- business codes (document "Response Code Description"; every answer is HTTP 200) ----------------------
SUCCESS = 1000
PARAMETER_ERROR = 1003
NOT_FOUND = 1008
NO_PERMISSION = 1009
INVALID_TOKEN = 1101
MISSING_AUTH = 1102
ACCOUNT_BANNED = 1200
CREATE_AUDIO_ERROR = 1201
LIPSYNC_REPEATED = 1202
NO_AUDIO = 1203
TOO_LONG_FOR_LIPSYNC = 1204
CREATE_VIDEO_ERROR = 1205
TOO_LARGE = 1207
UNSUPPORTED_ENCODING = 1209
TOO_MANY_FPS = 1210

MESSAGES = {
    SUCCESS: "OK",
    PARAMETER_ERROR: "Parameter error or Parameter can not be empty",
    NOT_FOUND: "The content you get does not exist",
    NO_PERMISSION: "You do not have permission to operate",
    INVALID_TOKEN: "Invalid authorization or The request token has expired",
    MISSING_AUTH: "Authorization cannot be empty",
    ACCOUNT_BANNED: "The account has been banned",
    CREATE_AUDIO_ERROR: "create audio error, please try again later",
    LIPSYNC_REPEATED: "The same video cannot be translated lipSync in the same language more than 1 times",
    NO_AUDIO: "video should be with audio",
    TOO_LONG_FOR_LIPSYNC: "Your video duration is exceed 60s!",
    CREATE_VIDEO_ERROR: "Create video error, please try again later",
    TOO_LARGE: "The video you are using exceeds the size limit allowed by the system by 300M",
    UNSUPPORTED_ENCODING: "Please upload a video in another encoding format",
    # The captured document is cut after "30fp"; the last letter is restored.
    TOO_MANY_FPS: "The video you are using exceeds the value allowed by the system by 30fps",
}
TRANSIENT_CODES = frozenset({CREATE_AUDIO_ERROR, CREATE_VIDEO_ERROR})

# Inferred: getToken with a wrong clientId/clientSecret answers 1101 (the document names no code for it).
BAD_CREDENTIALS_CODE = INVALID_TOKEN
# Inferred: a `url` that cannot be downloaded is a parameter error, answered at once.
DOWNLOAD_FAILED_CODE = PARAMETER_ERROR
# Inferred: a file that is not an MP4 with a video track is "another encoding format".
NOT_A_VIDEO_CODE = UNSUPPORTED_ENCODING

# -- video status (document) -------------------------------------------------------------------------------
QUEUEING = 1
PROCESSING = 2
COMPLETED = 3
FAILED = 4
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED})
# Webhook page: the decrypted `status` is "2 or 3 or 4"; no webhook for queueing.
WEBHOOK_STATUSES = (PROCESSING, COMPLETED, FAILED)
# Inferred: `progress` (named by vendor-notes.md for all_results) per status.
PROGRESS = {QUEUEING: 0, PROCESSING: 50, COMPLETED: 100, FAILED: 100}
# Inferred: stages (each `step_seconds` long) spent queueing and processing before the end state.
QUEUE_STAGES = 1
PROCESS_STAGES = 2

# -- job record constants (copied from the document's example answer) -------------------------------------
JOB_TYPE = 8
JOB_SUB_TYPE = 801
JOB_FROM = 2
FACESWAP_QUALITY = 2
STORAGE_LOC = 1
# The examples lock 20 for 11.7 s and 10 for 7.91 s: the duration rounded up to whole 10 s.
DEDUCTION_ROUNDING_SECONDS = 10

# -- webhooks (Akool webhook page) --------------------------------------------------------------------------
WEBHOOK_TYPE = "video translate"
# Inferred: how often and how soon a webhook not answered with HTTP 200 is tried again.
WEBHOOK_ATTEMPTS = 3
WEBHOOK_RETRY_SECONDS = 0.2

# -- results ------------------------------------------------------------------------------------------------
RESULT_TTL_SECONDS = 7 * 24 * 3600  # "valid for 7 days"

# -- limits (document codes 1204, 1207, 1210) ---------------------------------------------------------------
AKOOL_MAX_VIDEO_BYTES = 300 * 1024 * 1024
AKOOL_LIPSYNC_MAX_SECONDS = 60.0
AKOOL_MAX_FPS = 30.0
# Inferred: the sample-entry codes (MP4 `stsd`) Akool decodes; anything else answers 1209.
AKOOL_SUPPORTED_VIDEO_CODECS = frozenset({"avc1", "avc3", "hvc1", "hev1"})
DOWNLOAD_TIMEOUT_SECONDS = 30.0

# -- languages ----------------------------------------------------------------------------------------------
# Inferred: the document's example shows en, fr, zh (and hi in the create example); the rest of the list is
# the project's guess at Akool's two-letter codes. `source_language` may also be DEFAULT (auto-detect).
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English"),
    ("fr", "French"),
    ("zh", "Chinese (Simplified)"),
    ("es", "Spanish"),
    ("de", "German"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("hi", "Hindi"),
    ("ar", "Arabic"),
    ("ru", "Russian"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("tr", "Turkish"),
    ("id", "Indonesian"),
    ("vi", "Vietnamese"),
    ("th", "Thai"),
    ("sv", "Swedish"),
    ("uk", "Ukrainian"),
)
LANGUAGE_CODES = frozenset(code for code, _ in LANGUAGES)
AUTO_DETECT_SOURCE = "DEFAULT"
