"""BlendVision One: library uploads and dubbing jobs (one output language per job), google.rpc errors.

hook.BlendVisionHook (one method per endpoint), models (pydantic wire models and DubbingStatus),
decimal.Decimal (google.type.Decimal by the document's grammar and normalization), operators (upload,
one dubbing job per language, download), triggers/sensors (deferrable waits), validation, job_ids.
"""
