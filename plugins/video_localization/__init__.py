__version__ = "0.1.0"

def get_provider_info():
    return {"package-name": "airflow-provider-video-localization", "name": "x", "description": "x", "versions": ["0.1.0"]}
