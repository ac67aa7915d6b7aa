"""The landscape and gradient-flow views as docks of the real window."""
from lstm_gui.app.views.registry import VIEWS


def test_both_views_are_registered_docks_that_draw_and_stop_with_the_window(qtbot, window):
    names = [cls.name for cls in VIEWS]
    assert "landscapeView" in names and "gradientView" in names
    views = [window.views["landscapeView"], window.views["gradientView"]]
    for name in ("landscapeView", "gradientView"):
        dock = window.docks[name]
        dock.setFloating(True)
        dock.resize(520, 460)
        dock.show()
    window.step()
    window.refresh()
    # A hang guard, not a speed claim: with a cold numba cache (CI) the views' first jobs
    # compile their kernels in the workers, over 15 s at load 6-8 (failed so, twice).
    qtbot.waitUntil(lambda: all(v.results_drawn > 0 for v in views), timeout=180_000)
    assert views[0].plot.map is not None and views[1].result is not None
    # A job under way when the window closes is waited for: no QThread left running.
    window.step()
    window.refresh()
    window._confirm_discard = lambda action: True
    window.close()
    assert not any(v.worker.isRunning() for v in views)
