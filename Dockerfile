# The project's Airflow image: Airflow 3.3 with the Celery provider and this provider installed from
# the committed uv.lock (the same pins as the tests), used by every service of docker-compose.yaml.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    AIRFLOW_HOME=/opt/airflow \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir "uv==0.13.8"

WORKDIR /opt/video-localization

# Dependencies first (cached while only the project's code changes), then the project itself.
COPY pyproject.toml uv.lock README.md ./
COPY devkit/pyproject.toml ./devkit/
RUN uv sync --frozen --no-dev --extra distributed --no-install-project

COPY plugins ./plugins
COPY devkit ./devkit
COPY dags ./dags
RUN uv sync --frozen --no-dev --extra distributed --no-editable \
    && mkdir -p /opt/airflow /opt/video-localization/output /opt/video-localization/inbox

EXPOSE 8080 8900
CMD ["airflow", "version"]
