"""OMS Dashboard: the app factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from .config import PROJECT_ROOT, settings_from_environment
from .database import MAX_ID, configure_engine, engine_options
from .extensions import csrf, db, login_manager, migrate


class IdConverter(IntegerConverter):
    """`<id:…>` in URLs: a database id; anything larger than the column holds is a 404, not a crash."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings_from_environment(Path(app.instance_path), test_config))
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.json.sort_keys = False
    app.json.ensure_ascii = False  # location and product names are not ASCII
    app.url_map.converters["id"] = IdConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_engine(db.engine)

    from . import auth  # noqa: F401  (registers the Flask-Login user loader)
    from .api import api_blueprint
    from .cli import oms_cli
    from .errorhandlers import register_error_handlers
    from .templating import register_template_helpers
    from .views.auth import auth_blueprint
    from .views.documents import documents_blueprint
    from .views.locations import locations_blueprint
    from .views.packages import packages_blueprint
    from .views.scenarios import scenarios_blueprint
    from .views.transfers import transfers_blueprint

    csrf.exempt(api_blueprint)  # token-authenticated, no cookies: CSRF does not apply
    for blueprint in (
        api_blueprint,
        auth_blueprint,
        locations_blueprint,
        packages_blueprint,
        documents_blueprint,
        transfers_blueprint,
        scenarios_blueprint,
    ):
        app.register_blueprint(blueprint)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    app.cli.add_command(oms_cli)
    register_error_handlers(app)
    register_template_helpers(app)
    app.before_request(refuse_nul_characters)
    return app


def refuse_nul_characters() -> None:
    """PostgreSQL text cannot hold NUL: refuse it in query strings and forms, naming the field."""
    from .api.params import NUL_MESSAGE
    from .errors import AppError

    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if "\x00" in name or "\x00" in value:
                raise AppError.field(name.replace("\x00", ""), NUL_MESSAGE)
