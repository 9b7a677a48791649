"""Page or fragment: a view answers htmx with its partial and everyone else with the full page."""

from __future__ import annotations

from flask import Response, redirect, render_template, request


def wants_fragment() -> bool:
    # A history restore after a cache miss needs the whole page back.
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(page: str, fragment: str, http_status: int = 200, **context) -> tuple[str, int]:
    return render_template(fragment if wants_fragment() else page, **context), http_status


def redirect_to(url: str) -> Response:
    """A redirect htmx follows as a full navigation (a plain 302 would be swapped into the fragment)."""
    if request.headers.get("HX-Request") == "true":
        response = Response(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)
