"""The development kit of video-localization: what the demo, the tests and the benchmarks need.

Offline emulators of the five vendor APIs (`sandbox`), the native Airflow stack launcher (`stack`,
`topology`), the `vloc` command (`cli`, `demo`) and a small Airflow REST client (`rest`). None of it
ships in the provider distribution.
"""
