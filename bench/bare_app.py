"""The baseline for page benchmarks: a bare Flask app with one JSON endpoint."""

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.route("/bare.json")
    def bare():
        return {"ok": True}

    return app
