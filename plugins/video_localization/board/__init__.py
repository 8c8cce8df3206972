"""The localization board: a page inside Airflow's UI for the people who order localizations.

`api.py` is the FastAPI app the plugin mounts (data API, file downloads, the page's ES module);
`airflow_api.py` reads runs through Airflow's public REST API with the caller's own token;
`manifest.py` reads manifest v1 and v2 into one shape; `cells.py` turns task instances and manifests
into the languages x deliverables matrix; `files.py` serves result files (Range requests, SRT as WebVTT)
through the same storage abstraction the DAGs write with, only under the configured output roots.
"""
