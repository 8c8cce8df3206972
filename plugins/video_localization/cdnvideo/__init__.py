"""CDNvideo Talking Head provider: a presenter video per script, made once, paced, archived at once.

hook.py (token, every method, POST pacing), models.py, validation.py (limits and the account's
configurations), catalogue.py (offline snapshot of them), pacing.py (POST budget shared across
processes), triggers.py, operators.py, sensors.py.
"""
