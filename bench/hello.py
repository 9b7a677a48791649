"""The memory floor: a one-route Flask app, served by the same gunicorn as the app (`gunicorn bench.hello:app`)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
