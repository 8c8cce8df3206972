"""Akool video translation: hook, models, validation, submit-once, triggers, operators, sensor, webhooks.

Modules: `models` (wire models, status enum, business codes, limits), `hook` (`AkoolHook`), `validation`
(checks before paying), `submission` (one paid job per language, once), `triggers`, `operators`,
`sensors`, `webhook` (verify and decrypt Akool's webhooks).
"""
