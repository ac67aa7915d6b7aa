"""Reading regular files only, and saves that respect what they replace."""
import os
import stat
import subprocess
import sys
import time

import pytest

from lstm_gui.core.limits import fileio
from lstm_gui.core.limits.fileio import FileAccessError, read_regular, save_target, write_atomic


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(FileAccessError, match="pipe"):
        read_regular(fifo, 1000)
    assert time.perf_counter() - start < 1


def test_a_folder_and_a_device_are_refused(tmp_path):
    with pytest.raises(FileAccessError, match="is a folder"):
        read_regular(tmp_path, 1000)
    with pytest.raises(FileAccessError, match="is a device"):
        read_regular("/dev/zero", 1000)     # would read without end


def test_size_is_checked_before_reading(tmp_path):
    big = tmp_path / "big"
    with open(big, "wb") as fh:
        fh.truncate(5000)
    with pytest.raises(FileAccessError, match="at most 4,999 bytes"):
        read_regular(big, 4999)
    assert read_regular(big, 5000) == bytes(5000)


def test_a_save_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"


def test_an_existing_file_keeps_its_mode_and_a_new_one_gets_the_umask(tmp_path):
    old = tmp_path / "old.json"
    old.write_text("x")
    old.chmod(0o644)
    write_atomic(old, "y")
    assert stat.S_IMODE(old.stat().st_mode) == 0o644
    old.chmod(0o640)
    write_atomic(old, "z")
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    mask = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.json", "n")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640


def test_folders_and_special_files_are_never_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FileAccessError, match="pipe"):
        write_atomic(fifo, "x")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    with pytest.raises(FileAccessError, match="is a folder"):
        write_atomic(tmp_path, "x")
    with pytest.raises(FileAccessError, match="does not exist"):
        save_target(tmp_path / "missing" / "m.json")


def test_a_250_character_name_saves(tmp_path):
    name = "m" * 245 + ".json"
    write_atomic(tmp_path / name, "x")
    assert (tmp_path / name).read_text() == "x"
    assert os.listdir(tmp_path) == [name]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stray_temporaries_of_killed_saves_are_cleaned_on_the_next_save(tmp_path):
    stray = tmp_path / f".lstm-gui-{_dead_pid()}-0123abcd.tmp"
    stray.write_bytes(b"x" * 1000)
    old_style = tmp_path / ".m.json.ab12_xyz.tmp"        # what version 1 left behind
    old_style.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old_style, (two_hours_ago, two_hours_ago))
    live = tmp_path / ".lstm-gui-1-0123abcd.tmp"          # pid 1 is alive: another save's
    live.write_bytes(b"x")
    user_file = tmp_path / ".hidden.tmp"
    user_file.write_bytes(b"x")
    write_atomic(tmp_path / "m.json", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden.tmp", ".lstm-gui-1-0123abcd.tmp",
                                                          "m.json"]


def test_a_killed_save_leaves_a_temporary_the_next_save_removes(tmp_path):
    # A child process starts a save and is killed while writing it.
    code = ("import os, signal; from lstm_gui.core.limits import fileio\n"
            "def stop(*a): os.kill(os.getpid(), signal.SIGKILL)\n"
            "fileio.os.fsync = stop\n"
            f"fileio.write_atomic({str(tmp_path / 'm.json')!r}, 'x' * 100000)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    res = subprocess.run([sys.executable, "-c", code], env=env, timeout=60)
    assert res.returncode == -9
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(fileio.TEMP_PREFIX) and len(left[0]) < 40
    write_atomic(tmp_path / "other.json", "y")
    assert [p.name for p in tmp_path.iterdir()] == ["other.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text("good")

    def full_disk(*a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", full_disk)
    with pytest.raises(OSError):
        write_atomic(path, "new")
    assert path.read_text() == "good" and os.listdir(tmp_path) == ["m.json"]


def test_default_suffix():
    assert fileio.with_default_suffix("a/plot", ".png", (".png", ".svg")).name == "plot.png"
    assert fileio.with_default_suffix("a/plot.SVG", ".png", (".png", ".svg")).name == "plot.SVG"
    assert fileio.with_default_suffix("a/p.v2", ".png", (".png", ".svg")).name == "p.v2.png"
