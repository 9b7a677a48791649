"""OMS Dashboard: the app factory."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, request
from flask_babel import lazy_gettext
from flask_openapi3 import Info, OpenAPI
from werkzeug.routing import IntegerConverter

from .config import PROJECT_ROOT, settings_from_environment
from .database import MAX_ID, configure_engine, engine_options
from .errors import AppError
from .extensions import babel, csrf, db, login_manager, migrate
from .i18n import TRANSLATIONS_DIRECTORY, install_template_gettext, select_locale
from .json_provider import GuardedJSONProvider
from .passwords import unknown_user_hash
from .validation import raise_validation_error, unstorable_text_reason


class IdConverter(IntegerConverter):
    """`<id:…>` in URLs: a database id; anything larger than the column holds is a 404, not a crash.

    The regular expression itself accepts only 1…MAX_ID: werkzeug notes the methods of the rules whose
    pattern matched before converting, so a value refused only by `to_python` would answer 405 (not 404)
    on a path with several rules (GET, PATCH and DELETE of one webhook subscription)."""

    regex = (
        r"(?:[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
        r"|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])"
    )

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


class OmsApp(OpenAPI):
    """Flask with flask-openapi3's OpenAPI document, reading every JSON body through the one JSON guard."""

    json_provider_class = GuardedJSONProvider


API_DESCRIPTION = """The integrator API of the OMS Dashboard: orders and stock in, packages and transfers out,
and the same commands the staff pages run.

Every request carries `Authorization: Token <key>`. Every error is `{"error": {…}, "status_code": N}`:
a 400 names each refused field, 406 carries an `error_code`, and 503 (with `Retry-After`) means nothing
was changed and the request may be sent again. Other methods on a documented path answer 405 with `Allow`."""


def create_app(test_config: dict | None = None) -> OmsApp:
    from .api.schemas.common import FieldErrors

    app = OmsApp(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        info=Info(title="OMS Dashboard API", version="1", description=API_DESCRIPTION),
        security_schemes={
            "token": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Token <key>`; keys come from `flask --app app oms create-token NAME`.",
            }
        },
        doc_ui=False,  # our own routes serve the document and the page (api/docs.py), without a CDN
        validation_error_status=400,  # DESIGN §5.3: a refused field is a 400, never a 422
        validation_error_model=FieldErrors,
        validation_error_callback=raise_validation_error,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings_from_environment(Path(app.instance_path), test_config))
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        engine_options(
            app.config["SQLALCHEMY_DATABASE_URI"],
            lock_timeout_ms=app.config["LOCK_TIMEOUT_MS"],
            statement_timeout_ms=app.config["STATEMENT_TIMEOUT_MS"],
        ),
    )
    # The test suite turns this on: every API response is checked against the models that document it.
    app.validate_response = bool(app.config.get("OPENAPI_VALIDATE_RESPONSES"))
    app.url_map.converters["id"] = IdConverter
    unknown_user_hash(app.config["PASSWORD_HASH_METHOD"])  # made now: the first unknown username is not slower

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIRECTORY))
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)  # counts in plural messages formatted by locale
    with app.app_context():
        configure_engine(db.engine, lock_timeout_ms=app.config["LOCK_TIMEOUT_MS"])

    from . import auth  # noqa: F401  (registers the Flask-Login user loader)
    from .api import api_blueprint
    from .api.docs import api_docs_blueprint
    from .cli import oms_cli
    from .errorhandlers import RetryReadsOnce, register_error_handlers
    from .security import register_security
    from .services.package_counts import count_packages_on_every_flush
    from .templating import register_template_helpers
    from .views.admin import admin_blueprint
    from .views.auth import auth_blueprint
    from .views.bulk import bulk_blueprint, bulk_toolbar
    from .views.documents import documents_blueprint
    from .views.language import language_blueprint
    from .views.locations import locations_blueprint
    from .views.orders import orders_blueprint
    from .views.packages import packages_blueprint
    from .views.scan_to_pack import scan_blueprint
    from .views.scenarios import scenarios_blueprint
    from .views.status_slider import slider_statuses
    from .views.transfers import transfers_blueprint

    app.before_request(refuse_overlong_uris)
    app.before_request(refuse_nul_characters)
    csrf.exempt(api_blueprint)  # token-authenticated, no cookies: CSRF does not apply
    app.register_api(api_blueprint)
    app.register_api(api_docs_blueprint)
    for blueprint in (
        auth_blueprint,
        language_blueprint,
        locations_blueprint,
        packages_blueprint,
        bulk_blueprint,
        scan_blueprint,
        orders_blueprint,
        documents_blueprint,
        transfers_blueprint,
        scenarios_blueprint,
        admin_blueprint,
    ):
        app.register_blueprint(blueprint)
    # The package list's template (rendered by the list and by the bulk actions) orders its slider and
    # fills its bulk toolbar with these.
    app.add_template_global(slider_statuses)
    app.add_template_global(bulk_toolbar)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Sign in to continue.")
    app.cli.add_command(oms_cli)
    count_packages_on_every_flush()
    register_error_handlers(app)
    app.wsgi_app = RetryReadsOnce(app.wsgi_app)
    register_template_helpers(app)
    register_security(app)
    if app.validate_response:
        from .api.response_check import check_documented_response

        app.after_request(check_documented_response)
    return app


def refuse_overlong_uris() -> None:
    """414 before anything else reads the address (gunicorn is told to pass lines up to 8190 bytes on)."""
    environ = request.environ
    length = max(
        len(environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""),  # as sent, still percent-encoded
        len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) + 1,
    )
    if length > current_app.config["MAX_URI_LENGTH"]:
        raise AppError.uri_too_long(current_app.config["MAX_URI_LENGTH"])


def refuse_nul_characters() -> None:
    """PostgreSQL text cannot hold NUL: refuse it in query strings and forms, naming the field."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            for text in (name, value):
                if (reason := unstorable_text_reason(text)) is not None:
                    raise AppError.field(name.replace("\x00", ""), reason)
