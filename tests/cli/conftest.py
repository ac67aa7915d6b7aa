"""The sub-commands run in-process, as a user's command line would run them."""
import pytest

from lstm_gui.cli.main import main


@pytest.fixture
def lstm_gui(capsys):
    """lstm_gui("train", ...) -> (status, stdout, stderr)."""
    def run(*args):
        try:
            status = main([str(a) for a in args])
        except SystemExit as exc:
            status = exc.code
        out, err = capsys.readouterr()
        return status, out, err
    return run
