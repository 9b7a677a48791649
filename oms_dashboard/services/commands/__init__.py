"""The command service. Importing the handler modules registers them with `run_command`."""

from . import basic, manual, replanning, shipping  # noqa: F401
from .core import CommandResult, run_command
from .transfers import run_transfer_command

__all__ = ["CommandResult", "run_command", "run_transfer_command"]
