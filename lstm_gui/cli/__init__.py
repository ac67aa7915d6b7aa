"""The command line: one module per sub-command, each with ``add_parser(sub)`` and ``run(args)``."""
from .main import main

__all__ = ["main"]
