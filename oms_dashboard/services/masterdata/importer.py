"""`oms import`: master data from a file, checked with the API's row models and applied all or nothing.

A JSON or YAML file holds a mapping whose keys are kinds (below) and whose values are lists shaped
exactly as the API's bodies. A CSV file holds one kind (`--kind`):

- the header row names the fields; each further row is one item;
- an empty cell means the field is not sent (a new row gets the default, an existing one keeps its
  value); `null` in a field that may be null (`max_quota`, `default_cargo_company`, `image_url`,
  `tracking_url_template`) sends null (for `max_quota`: unlimited);
- booleans are `true`/`false`, `1`/`0` or `yes`/`no` (any case); whole numbers are written as such;
- `attributes.<name>` columns are a product's attributes, as text; a row's non-empty ones replace the
  product's attributes, and a row where all are empty leaves them as they are.

Errors name the kind, the field and the item (counted from 0 as in the API; CSV errors also give the
file's line). Nothing is stored unless every row of every kind is good: one transaction applies
carriers, stock locations (whose locks must come first), products, stocks, denial reasons and sales
channels, in that order, so later kinds can name what earlier ones created.
"""

from __future__ import annotations

import csv
import io
import json
import re
import types
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml

from ...database import run_in_transaction
from ...errors import AppError
from ...validation import parse
from ..catalog import apply_stocks
from . import BatchResult
from .catalog import apply_carriers, apply_products
from .locations import apply_locations
from .reference import apply_denial_reasons, apply_sales_channels
from .rows import CarrierRow, DenialReasonRow, LocationRow, ProductRow, Row, SalesChannelRow, StockRow

Step = Callable[[int], None]
# progress(kind, rows) -> a context whose value is told how many rows have been applied, batch by batch.
Progress = Callable[[str, int], AbstractContextManager[Step]]


def _stocks(rows: Sequence[StockRow], step: Step) -> BatchResult:
    return apply_stocks(rows=[(row.stock_location, row.sku, row.quantity) for row in rows], progress=step)


def _all_at_once(apply: Callable[..., BatchResult]) -> Callable[[Sequence[Row], Step], BatchResult]:
    def run(rows: Sequence[Row], step: Step) -> BatchResult:
        result = apply(rows=rows)
        step(len(rows))
        return result

    return run


@dataclass(frozen=True)
class Kind:
    row: type[Row]
    apply: Callable[[Sequence[Any], Step], BatchResult]


# In the order they are applied: each may name rows of the kinds before it.
KINDS: dict[str, Kind] = {
    "cargo_companies": Kind(CarrierRow, _all_at_once(apply_carriers)),
    "stock_locations": Kind(LocationRow, _all_at_once(apply_locations)),
    "products": Kind(ProductRow, lambda rows, step: apply_products(rows=rows, progress=step)),
    "stocks": Kind(StockRow, _stocks),
    "denial_reasons": Kind(DenialReasonRow, _all_at_once(apply_denial_reasons)),
    "sales_channels": Kind(SalesChannelRow, _all_at_once(apply_sales_channels)),
}
CSV_KINDS = ("products", "stock_locations", "cargo_companies", "stocks", "sales_channels", "denial_reasons")
FORMATS = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".csv": "CSV"}
ATTRIBUTE_PREFIX = "attributes."
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
_ITEM = re.compile(r"\bItem (\d+)\b")


@dataclass(frozen=True)
class ImportFile:
    """The parsed rows of a file by kind (only the kinds it holds), ready to apply."""

    batches: dict[str, list[Row]]
    # CSV: the line each item starts on, so every error can name the line too.
    lines: list[int] | None = None


def _file_error(message: str) -> AppError:
    return AppError.non_field(message)


def read_import_file(path: str | Path, *, kind: str | None = None) -> ImportFile:
    """Read and check a JSON, YAML (by extension) or CSV file; a 400-style AppError naming what is wrong."""
    path = Path(path)
    form = FORMATS.get(path.suffix.lower())
    if form is None:
        raise _file_error(f"{path.name}: use a .json, .yaml, .yml or .csv file.")
    if form == "CSV" and kind is None:
        raise _file_error(f"{path.name}: say what the CSV file holds with --kind ({', '.join(CSV_KINDS)}).")
    if form != "CSV" and kind is not None:
        raise _file_error(f"--kind is for CSV files; the keys of {path.name} say what it holds.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(f"{path.name} is not UTF-8 text (byte {exc.start}).") from None
    if form == "CSV":
        items, lines = csv_rows(text, kind)
        return parse_import({kind: items}, lines=lines)
    try:
        data = (
            json.loads(text)
            if form == "JSON"
            else yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        )
    except json.JSONDecodeError as exc:
        raise _file_error(
            f"{path.name} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    except yaml.YAMLError as exc:
        raise _file_error(f"{path.name} is not valid YAML: {' '.join(str(exc).split())}") from None
    return parse_import(data)


def parse_import(data: Any, *, lines: list[int] | None = None) -> ImportFile:
    """Check every kind's rows with its row model; the first kind with errors is refused, naming them."""
    if not isinstance(data, dict):
        raise _file_error(f"Expected a mapping with some of the keys {', '.join(KINDS)}.")
    unknown = [str(key) for key in data if key not in KINDS]
    if unknown:
        raise _file_error(f"Unknown key(s): {', '.join(unknown)}. Known: {', '.join(KINDS)}.")
    batches: dict[str, list[Row]] = {}
    for name, kind in KINDS.items():
        if name in data:
            try:
                batches[name] = parse(list[kind.row], data[name])
            except AppError as error:
                raise _of_kind(name, error, lines) from None
    return ImportFile(batches=batches, lines=lines)


def import_master_data(file: ImportFile, *, progress: Progress | None = None) -> dict[str, BatchResult]:
    """Apply every kind of the file in one transaction; what each kind created, updated and left alone."""

    def work() -> dict[str, BatchResult]:
        results: dict[str, BatchResult] = {}
        for name, kind in KINDS.items():
            rows = file.batches.get(name)
            if rows is None:
                continue
            with progress(name, len(rows)) if progress else nullcontext(lambda _done: None) as step:
                try:
                    results[name] = kind.apply(rows, step)
                except AppError as error:
                    raise _of_kind(name, error, file.lines) from None
        return results

    return run_in_transaction(work)


def _of_kind(kind: str, error: AppError, lines: list[int] | None) -> AppError:
    """The same error with each field prefixed by its kind (`products: sku: Item 3: …`)."""
    named: dict[str, list[str]] = {}
    for field, value in error.error.items():
        if field == "error_code":
            continue
        messages = value if isinstance(value, list) else [value]
        if lines is not None:
            messages = [_ITEM.sub(lambda found: _with_line(found, lines), message, count=1) for message in messages]
        named[kind if field in {"non_field_errors", "detail"} else f"{kind}: {field}"] = messages
    return AppError(error.status_code, named)


def _with_line(found: re.Match[str], lines: list[int]) -> str:
    index = int(found.group(1))
    return f"{found.group()} (line {lines[index]})" if index < len(lines) else found.group()


# --- CSV ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    boolean: bool = False
    whole_number: bool = False
    nullable: bool = False


def _base_types(annotation: Any) -> set[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _base_types(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return set().union(*(_base_types(arg) for arg in get_args(annotation)))
    if origin is Literal:
        return {type(value) for value in get_args(annotation)}
    return {origin or annotation}


def _columns(row: type[Row]) -> dict[str, _Column]:
    columns = {}
    for name, info in row.model_fields.items():
        kinds = _base_types(info.annotation)
        columns[name] = _Column(
            boolean=bool in kinds, whole_number=int in kinds and bool not in kinds, nullable=type(None) in kinds
        )
    return columns


def _cell(value: str, column: _Column | None) -> Any:
    """A CSV cell as the JSON value it stands for; what cannot be converted is left as text, for the row
    model to refuse with its usual message."""
    if column is None:
        return value
    lowered = value.strip().lower()
    if column.nullable and lowered == "null":
        return None
    if column.boolean and lowered in _TRUE | _FALSE:
        return lowered in _TRUE
    if column.whole_number and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value)
    return value


def csv_rows(text: str, kind: str) -> tuple[list[dict[str, Any]], list[int]]:
    """The items of a CSV file of one kind, as the dicts a JSON file would hold, and the line each starts on."""
    if kind not in CSV_KINDS:
        raise _file_error(f"--kind must be one of: {', '.join(CSV_KINDS)}.")
    columns = _columns(KINDS[kind].row)
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if any(cell.strip() for cell in cells):  # a blank line (often the last one) is no item
                records.append((line, cells))
    except csv.Error as exc:
        raise _file_error(f"{kind}: line {reader.line_num}: not readable as CSV: {exc}.") from None
    if not records or records[0][0] != 1:
        raise _file_error(f"{kind}: the first line must name the fields.")
    header = [cell.strip() for cell in records[0][1]]
    for number, name in enumerate(header, start=1):
        if not name:
            raise _file_error(f"{kind}: column {number} of the header has no name.")
        if header.count(name) > 1:
            raise _file_error(f"{kind}: the header names {name} twice.")
    items = [
        _csv_item(kind, header, cells, columns, f"Item {index} (line {line})")
        for index, (line, cells) in enumerate(records[1:])
    ]
    return items, [line for line, _ in records[1:]]


def _csv_item(kind: str, header: list[str], cells: list[str], columns: dict[str, _Column], where: str) -> dict:
    if len(cells) > len(header):
        raise _file_error(f"{kind}: {where}: more cells than the header names ({len(cells)} > {len(header)}).")
    item: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    for name, value in zip(header, cells, strict=False):
        if value == "":
            continue
        if kind == "products" and name.startswith(ATTRIBUTE_PREFIX):
            attributes[name.removeprefix(ATTRIBUTE_PREFIX)] = value
        else:
            item[name] = _cell(value, columns.get(name))
    if attributes:
        item["attributes"] = attributes
    return item
