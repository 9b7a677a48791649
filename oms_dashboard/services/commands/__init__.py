"""The command service. Importing the handler modules registers them with `run_command`."""

from . import basic, replanning, shipping  # noqa: F401
from .core import CommandResult, run_command

__all__ = ["CommandResult", "run_command"]
