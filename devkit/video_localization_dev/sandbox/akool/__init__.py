"""Offline emulator of Akool's video translation API (`/akool` stands for `https://openapi.akool.com/api/open/v3`).

Modules: `wire` (constants, codes, every inferred guess), `errors` (the `{code, msg}` shape), `media_checks`
(download and refuse for real causes), `store` (tokens, jobs, time-driven states), `webhook` (AES-CBC +
SHA-1 envelope), `routes` (the endpoints and sandbox controls).

Sandbox credentials (`wire.py`): clientId `sandbox-clientid` / clientSecret (= API key)
`sandbox-client-secret-24`; a second account (`SANDBOX_OTHER_*`, for 1009) and a banned one
(`SANDBOX_BANNED_*`, for 1200).

Sandbox controls (not Akool's API, no auth):
- `POST /akool/_sandbox/expire-tokens`: every token issued so far answers 1101 (test refresh-on-1101).
- `GET|POST /akool/_sandbox/limits` `{"max_video_bytes": N, "result_ttl_seconds": N}`: lower the 300 MB limit
  (reach 1207 with a small file) or the 7-day result-link lifetime; `null` restores; reset restores.
- `POST /akool/_sandbox/busy` `{"times": N, "code": 1201|1205}`: the next N otherwise valid creates answer
  that "try again later" code and create nothing.
- `POST /akool/_sandbox/finish` `{"video_model_id": ...}`: the job ends now (its webhooks are sent) and the
  answer says when (`finished_at`, epoch seconds); with a long `POST /_sandbox/step` a caller decides when
  each job ends.

Inferred (each one constant; see `wire.py` unless noted):
- `BAD_CREDENTIALS_CODE` = 1101 for getToken with a wrong clientId/clientSecret.
- `DOWNLOAD_FAILED_CODE` = 1003 when `url` cannot be downloaded; `NOT_A_VIDEO_CODE` = 1209 for a file that is
  not an MP4 with a video track; `AKOOL_SUPPORTED_VIDEO_CODECS` = avc1/avc3/hvc1/hev1 (else 1209).
- `LANGUAGES`: beyond the document's en/fr/zh/hi, the list of two-letter codes is a guess.
- `PROGRESS`, `QUEUE_STAGES`, `PROCESS_STAGES`: progress numbers and stage counts.
- `WEBHOOK_ATTEMPTS` = 3 and `WEBHOOK_RETRY_SECONDS` = 0.2 for a receiver that does not answer 200.
- `store.NO_SPEECH_ERROR_CODE`/`NO_SPEECH_ERROR_REASON`: a source whose audio holds no speech fails the job
  (status 4) with error_code 1201; `store.AkoolStore.lipsync_done_before`: failed jobs do not count for 1202.
- `routes._storage_error`: result links answer S3-style XML 403 (bad or expired signature) / 404.
- Error answers are `{"code", "msg"}` without `data`; the vendor's message, then the cause in parentheses.
- Multi-language creates answer `data` = the first created job and `all_results` = one `{code, msg, data}`
  per target (data = the job record, or `{"language"}` for a refused target); one target: no `all_results`.
- `video`/`lipsync_video_url` are "" until status 3 (the document's info example at status 2 has "").
"""

from video_localization_dev.sandbox.akool.routes import register

__all__ = ["register"]
