"""Pagination of the API's lists (DESIGN §5): `page` and `page_size`, and the paginated body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request, url_for
from sqlalchemy import Select, func, select

from ..errors import AppError
from ..extensions import db
from .schemas.common import PageQuery


def page_window(query: PageQuery) -> tuple[int, int]:
    """(page, page_size): page_size defaults to 20 and is capped at 100."""
    page_size = query.page_size if query.page_size is not None else current_app.config["API_DEFAULT_PAGE_SIZE"]
    return query.page, min(page_size, current_app.config["API_MAX_PAGE_SIZE"])


def paginated(*, count: int, page: int, page_size: int, results: list[Any]) -> dict[str, Any]:
    if page > 1 and (page - 1) * page_size >= count:
        raise AppError(404, {"detail": "Invalid page."})

    def link(number: int) -> str:
        args = request.args.to_dict() | {"page": number}
        return url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)

    return {
        "count": count,
        "next": link(page + 1) if page * page_size < count else None,
        "previous": link(page - 1) if page > 1 else None,
        "results": results,
    }


def page_of(query: Select, represent: Callable[[Any], dict[str, Any]], params: PageQuery) -> dict[str, Any]:
    """One page of an ORM query (already ordered) as the paginated body: a count and the page's rows."""
    page, page_size = page_window(params)
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.offset((page - 1) * page_size).limit(page_size))
    return paginated(count=count, page=page, page_size=page_size, results=[represent(row) for row in rows])
