"""The command service. Importing the handler modules registers them with `run_command`."""

from . import basic, cancellation, manual, replanning, shipping  # noqa: F401
from .cancellation import OrderCancellation, request_order_cancellation
from .core import CommandResult, run_command
from .transfers import run_transfer_command

__all__ = ["CommandResult", "OrderCancellation", "request_order_cancellation", "run_command", "run_transfer_command"]
