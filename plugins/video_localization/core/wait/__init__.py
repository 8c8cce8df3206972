"""The wait engine behind every vendor trigger: many waits in one triggerer, cheaply.

Airflow runs one trigger per deferred task; thousands of them share the triggerer's one event loop. This
package is what they share inside that loop (nothing here is serialized: a restarted triggerer rebuilds it
from the triggers' own kwargs):

- `settings`  the `[video_localization]` options (read with Airflow's conf: the trigger runner has no DB).
- `schedule`  the poll backoff schedule, configurable per vendor.
- `limiter`   a cap on requests in flight per vendor connection, below the HTTP pool's size (no stall).
- `status`    one status loop per (event loop, status kind, connection): one hook, batched list calls
              where the vendor can answer for many jobs, coalesced single lookups elsewhere.
- `wake`      callback wakes from the api-server: wake files (one machine) or Redis pub/sub (distributed).
- `progress`  the status-change lines a person reads in the wait's task log.
"""
