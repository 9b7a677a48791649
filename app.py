"""WSGI entry point: `flask --app app …` and `gunicorn app:app`."""

from oms_dashboard import create_app

app = create_app()
