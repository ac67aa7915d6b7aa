"""The command line: `lstm-gui` opens the window; sub-commands work headless.

Each sub-command is a module of this package with ``NAMES`` (the commands it adds),
``add_parser(sub)`` and ``run(args, parser) -> exit status``.
"""
from __future__ import annotations

import sys

from .. import __version__
from ..core import limits
from . import convert, demo, landscape, lessons, show, sweep, tasks, train
from .options import Parser, exists, join_negative_values
from .support import EXIT_INTERRUPTED, quiet_on_closed_pipe

SUBCOMMANDS = (train, sweep, tasks, lessons, show, convert, demo, landscape)
COMMANDS = tuple(name for module in SUBCOMMANDS for name in module.NAMES)


def build_parser() -> Parser:
    parser = Parser(
        prog="lstm-gui", description="Watch a single LSTM unit learn, live. "
        "Without a command, opens the window (optionally with MODEL).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.add_parser(sub)
    parser.commands = dict(sub.choices)
    return parser


def main(argv=None) -> int:
    try:
        return quiet_on_closed_pipe(lambda: _main(argv))
    except KeyboardInterrupt:
        # A Ctrl+C no command turned into a clean stop (show, convert, a second press): one
        # line and the shell's status, never a traceback.
        print("lstm-gui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS + ("-h", "--help", "--version"):
        # The window, optionally opening a model file.
        if len(argv) > 1 or (argv and (argv[0].startswith("-") or not exists(argv[0]))):
            parser.error(f"unknown command or file {limits.shown(argv[0])}; choose one of "
                         f"{', '.join(COMMANDS)}, or give one model file to open")
        from ..app.main import run_app
        return run_app(argv[0] if argv else None)
    args = parser.parse_args(join_negative_values(argv))
    args.argv = argv
    for module in SUBCOMMANDS:
        if args.command in module.NAMES:
            # The sub-command's own parser: its usage errors name it ("lstm-gui sweep: error:
            # ... (see lstm-gui sweep --help)"), where the top parser said only "lstm-gui".
            return module.run(args, parser.commands[args.command])
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
