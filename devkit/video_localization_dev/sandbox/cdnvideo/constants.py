# Sandbox-only credentials, token words and messages: nothing secret here.
# ruff: noqa: S105
"""Every number, name and message of the CDNvideo emulator, in one place.

Values the document states are marked "document"; values taken from vendor-notes.md are marked "notes";
the rest are guesses, each kept in exactly one constant and listed under "Inferred:" in the package docstring.
"""

from __future__ import annotations

PREFIX = "/cdnvideo"
API_PREFIX = "/app/th-api/v1/accounts"  # document: .../app/th-api/v1/accounts/<your_account_name>/...
TOKEN_PATH = "/app/oauth/v1/token/"  # notes (white-label copies of the platform)
TOKEN_HEADER = "CDN-AUTH-TOKEN"  # document
VIDEO_FILES_PREFIX = "/thaas-video"  # stands for https://thaas-video.cdnvideo.ru (document's video links)

# Sandbox accounts: account name -> (username, password, person_id). The first one is the default.
SANDBOX_ACCOUNT = "testaccount"
SANDBOX_USERNAME = "sandbox@example.com"
SANDBOX_PASSWORD = "sandbox-password"
OTHER_ACCOUNT = "otheraccount"
OTHER_USERNAME = "other@example.com"
OTHER_PASSWORD = "other-password"
ACCOUNTS: dict[str, tuple[str, str, int]] = {
    SANDBOX_ACCOUNT: (SANDBOX_USERNAME, SANDBOX_PASSWORD, 17),
    OTHER_ACCOUNT: (OTHER_USERNAME, OTHER_PASSWORD, 18),
}

# -- document: limits ----------------------------------------------------------------------------------
MAX_SCRIPT_CHARS = 3000
MAX_VIDEO_SECONDS = 180.0
MAX_VIDEO_NAME_CHARS = 35
STORAGE_DAYS = 30
MONTHLY_REQUEST_QUOTA = 1500
LINK_TTL_SECONDS = 6 * 3600  # "The link is valid for 6 hours."
# notes: 10 POST requests a minute (sliding window per account).
RATE_LIMIT_POSTS = 10
RATE_LIMIT_WINDOW_SECONDS = 60.0
# notes: tokens live about 6 hours; the white-label answer carries the remaining lifetime in ms.
TOKEN_LIFETIME_SECONDS = 6 * 3600

# -- inferred ------------------------------------------------------------------------------------------
# Spoken characters a second, to estimate a video's length from its script (plain text, SSML tags removed,
# plus the time of every <break time="..."/>). 15 chars/s is a usual TTS pace: 2700 characters = 3 minutes.
CHARS_PER_SECOND = 15.0
# Answer to the 11th POST inside a minute: 503 "Service unavailable" (a documented code; what nginx's
# limit_req answers by default), with a JSON error body and Retry-After in seconds.
RATE_LIMIT_STATUS = 503
# What the monthly quota counts: accepted generate requests (tasks), per account and UTC calendar month.
QUOTA_COUNTS = "accepted generate requests"
# Repeated logins while a token is alive return the same token with its remaining lifetime (the
# white-label answer's `lifetime` is "time until the token is expired").
TOKEN_REUSE = True
TOKEN_PREFIX = "cdn1_"
# The list of videos also shows tasks still in_queue/processing (video_url and duration null) so a client
# can find a task it created before a crash; canceled and deleted tasks are not listed.
LIST_INCLUDES_UNFINISHED = True
# Default order of the list: by the date the task was received, oldest first.
DEFAULT_SORT = "date"
# Time-driven states, in sandbox stages (settings.step_seconds each).
QUEUE_STAGES = 1
PROCESSING_STAGES = 2
# A task whose SSML the TTS provider rejects is retried (`attempts`) and then canceled by the service.
MAX_ATTEMPTS = 3
# The MP4 every task's video is served from: media/<RESULT_MEDIA>. A stand-in, so its own length
# (8 s) is not the `duration` reported, which is the script's estimate.
RESULT_MEDIA = "sample.mp4"
# Default background and emotion (document: "If not specified, green_screen" / "neutral emotion").
DEFAULT_BACKGROUND = "green_screen"
DEFAULT_EMOTION = "neutral"

# -- status words (document: in_queue, processing, processed, canceled; the example shows CANCELED) --------
STATUS_IN_QUEUE = "in_queue"
STATUS_PROCESSING = "processing"
STATUS_PROCESSED = "processed"
STATUS_CANCELED = "canceled"  # canceled by the service (failed attempts): lower case, as in the table
STATUS_CANCELED_BY_USER = "CANCELED"  # canceled by the user: upper case, as in the document's example

# -- messages (the document gives "invalid account", "wrong task status: CANCELED", "no such video",
#    "bad style for Natalia-latest", "success"; the others are inferred) ---------------------------------
MSG_INVALID_ACCOUNT = "invalid account"
MSG_NO_TOKEN = "authorization token is required"
MSG_INVALID_TOKEN = "invalid token"
MSG_TOKEN_EXPIRED = "token expired"
MSG_NO_SUCH_VIDEO = "no such video"
MSG_NO_SUCH_TASK = "no such task"
MSG_VIDEO_NOT_READY = "video is not ready"
MSG_WRONG_STATUS = "wrong task status: {status}"
MSG_BAD_CONFIG = "bad {field} for {name}-{version}"
MSG_SUCCESS = "success"
MSG_INVALID_JSON = "invalid JSON body"
MSG_UNKNOWN_PARAMS = "incorrect parameters' names: {names}"
MSG_MISSING_PARAM = "missing required parameter: {name}"
MSG_BAD_TYPE = "bad type of parameter: {name} (expected {expected})"
MSG_EMPTY_SCRIPT = "script is empty"
MSG_SCRIPT_TOO_LONG = "script is too long: {length} characters, the maximum is {limit}"
MSG_NAME_TOO_LONG = "video_name is too long: {length} characters, the maximum is {limit}"
MSG_VIDEO_TOO_LONG = "video is too long: estimated {seconds:.1f} seconds, the maximum is {limit:g}"
MSG_RATE_LIMITED = "too many requests: no more than {limit} POST requests a minute"
MSG_QUOTA_EXCEEDED = "monthly request limit exceeded: {limit} requests"
MSG_BAD_QUERY = "bad {name}: {value}"
MSG_USER_CANCELED = "canceled by user request"
MSG_IN_QUEUE = "task is waiting in the queue"
MSG_PROCESSING = "video is being generated"
MSG_RETRYING = "attempt {attempt} failed: {reason}; retrying"
MSG_FAILED = "canceled after {attempts} failed attempts: {reason}"
MSG_PROCESSED = "video is ready"
