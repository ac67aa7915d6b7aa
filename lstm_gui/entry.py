"""The `lstm-gui` program's entry point, kept light: a Ctrl+C while the heavy modules are
still importing (numpy, numba, Qt: the first second or two) ends with one line and status
130 instead of a traceback from the middle of an import."""
from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def main(argv=None) -> int:
    try:
        from .cli.main import main as cli_main
        return cli_main(argv)
    except KeyboardInterrupt:
        print("lstm-gui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
