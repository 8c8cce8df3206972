# syntax=docker/dockerfile:1
# The project's images, on the official Apache Airflow image (its `airflow` user, its entrypoint), with
# this provider installed from a wheel built from this checkout and every dependency held to uv.lock:
#   target `airflow` (the default): Airflow + the provider (+ Celery, Redis, PostgreSQL drivers);
#   target `sandbox`: that plus the development kit, for docker-compose.yaml's vendor sandbox only.
# The base image's tag must match the Airflow version in uv.lock and Python 3.11 (a test checks both).
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11

# -- 1. wheels and pins: built from the checkout, nothing of it is copied further ------------------------
FROM python:3.11-slim-bookworm AS wheels
RUN pip install --no-cache-dir "uv==0.13.8"
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
COPY plugins ./plugins
COPY devkit ./devkit
# One wheel per distribution (the provider, the dev kit), and the lock exported as a constraints file:
# the versions the tests ran with, for the image's own pip (the same command as tests/integration/
# test_wheel_install.py).
RUN uv build --wheel --all-packages --out-dir /wheels \
    && uv export --frozen --quiet --no-hashes --no-emit-workspace --all-packages --all-extras --no-dev \
        --output-file /wheels/constraints.txt

# -- 2. Airflow with the provider -----------------------------------------------------------------------
FROM ${AIRFLOW_IMAGE} AS airflow
COPY --from=wheels /wheels /wheels
# As the image's `airflow` user, the way its documentation adds packages; pinning apache-airflow to the
# image's own version keeps pip from moving Airflow itself. The `distributed` extra brings the Celery
# provider, Redis (broker and the CDNvideo POST ledger) and the PostgreSQL drivers.
# The user is the official image's own (uid 50000, gid 0), which its entrypoint and docs expect by name.
# hadolint ignore=DL3066
USER airflow
RUN pip install --no-cache-dir --constraint /wheels/constraints.txt \
        "apache-airflow==${AIRFLOW_VERSION}" \
        "$(echo /wheels/airflow_provider_video_localization-*.whl)[distributed]"

# -- 3. the vendor sandbox: the same image plus the dev kit (never in the Airflow services) -------------
FROM airflow AS sandbox
RUN pip install --no-cache-dir --constraint /wheels/constraints.txt /wheels/video_localization_devkit-*.whl
EXPOSE 8900

# -- the default target: the provider image -------------------------------------------------------------
FROM airflow
EXPOSE 8080
