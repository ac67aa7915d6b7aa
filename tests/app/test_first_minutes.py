"""Issue 24: the first five minutes, the docks, and one source of truth for the window's state.

Each test below failed on the window before the issue was fixed."""
import random
import time

from lstm_gui.app.qt import Qt, QtWidgets

from .conftest import current, enter


def full_speed(window):
    window.speedCombo.setCurrentIndex(0)
    assert window.speedCombo.currentData() is None


# ---------------------------------------------------------------- 5. the Train/Pause label

def test_the_train_label_follows_whether_epochs_advance_over_200_rapid_presses(window, qtbot):
    full_speed(window)
    enter(window.panel.epochsSpin, 300)          # the run stops by itself now and then
    window.activateWindow()
    window.setFocus()
    rng = random.Random(24)
    for _ in range(200):
        run = current(window)
        if run.should_stop():
            qtbot.keyClick(window, Qt.Key.Key_Backspace)    # back to epoch 0: trainable again
        # Random moments: sometimes the queued signals are served first, sometimes not.
        if rng.random() < 0.5:
            qtbot.wait(rng.randrange(0, 6))
        else:
            time.sleep(rng.randrange(0, 6) / 1000)
        stopped_before = current(window).should_stop() is not None
        qtbot.keyClick(window, Qt.Key.Key_Space)
        text, training = window.trainButton.text(), window.trainer.is_training
        if text == "Train":
            e0 = current(window).epoch
            time.sleep(0.003)
            assert not training and current(window).epoch == e0, "says Train while training"
        else:
            assert text == "Pause"
            stopped_since = current(window).should_stop() is not None and not stopped_before
            assert training or stopped_since, "says Pause though nothing trains"
    window.pause()
    assert window.trainButton.text() == "Train"


# ---------------------------------------------------------------- 1. a pace to watch

def test_the_default_pace_is_one_to_watch_and_full_speed_is_one_click_and_remembered(
        qtbot, tmp_path):
    from lstm_gui.app import MainWindow
    from lstm_gui.app.qt import QtCore
    settings = QtCore.QSettings(str(tmp_path / "fresh.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.show()
    rate = w.trainer.max_rate
    # The default budget lasts long enough to watch: 10-30 s at this pace.
    assert rate is not None and 10 <= 5000 / rate <= 30, rate
    w.train()
    qtbot.wait(1500)
    w.pause()
    run = current(w)
    assert 0 < run.epoch <= 1.5 * rate * 1.3 and run.stop_reason is None, run.epoch
    assert w.elapsedLabel.text() != "0:00:00"        # the time spent training counts
    assert run.elapsed >= 1.0
    w.fullSpeedButton.click()                       # one click
    assert w.trainer.max_rate is None and w.speedCombo.currentData() is None
    w._confirm_discard = lambda action: True
    w.close()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    assert again.trainer.max_rate is None and again.fullSpeedButton.isChecked()
    again.fullSpeedButton.click()                   # and back to the pace
    assert again.trainer.max_rate == rate
    again.trainer.shutdown()


# ---------------------------------------------------------------- 2. the "fix" column

def _fix_cell(window, k=1):
    table = window.paramTable
    item = table.item(k, table.value_column(0) + 1)
    return table, item


def test_the_fix_column_has_check_boxes_ticked_by_a_click_and_by_space(window, qtbot):
    table, item = _fix_cell(window, 1)
    assert item.data(Qt.ItemDataRole.CheckStateRole) is not None     # a box is drawn
    rect = table.visualItemRect(item)
    option = QtWidgets.QStyleOptionViewItem()
    option.rect = rect
    option.features |= QtWidgets.QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = table.style().subElementRect(
        QtWidgets.QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, table)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=box.center())
    assert 1 in current(window).config.frozen
    table2, item2 = _fix_cell(window, 4)
    table2.setCurrentItem(item2)
    table2.setFocus()
    qtbot.keyClick(table2, Qt.Key.Key_Space)
    assert set(current(window).config.frozen) == {1, 4}
    assert not window.trainer.is_training          # Space ticked the box, not Train


# ---------------------------------------------------------------- 6. hover readouts

def _hover(plot):
    plot.show_hover(plot.values_at(1.0)[0] if plot.values_at(1.0) else 1.0)
    return [part for parts in plot._hover.values() for part in parts]


def test_hover_readouts_leave_with_the_pointer_and_reset_with_the_run(window, qtbot):
    for _ in range(5):
        window.stepButton.click()
    for plot in (window.msePlot, window.signalPlot, window.gatesPlot):
        parts = _hover(plot)
        assert any(p.isVisible() for p in parts)
        QtWidgets.QApplication.sendEvent(plot, QtCore_leave())
        assert not any(p.isVisible() for p in parts), plot.objectName()
    parts = _hover(window.msePlot)
    qtbot.keyClick(window, Qt.Key.Key_Backspace)           # reset
    assert not any(p.isVisible() for p in parts)
    window.stepButton.click()
    parts = _hover(window.signalPlot)
    lesson = window.views["lessonView"]
    window._confirm_discard = lambda action: True     # the lesson replaces a trained run
    window.show_lessons()
    lesson.open(lesson.lessonCombo.itemData(1))
    lesson.set_up()
    assert not any(p.isVisible() for p in parts)


def QtCore_leave():
    from lstm_gui.app.qt import QtCore
    return QtCore.QEvent(QtCore.QEvent.Type.Leave)


# ---------------------------------------------------------------- 3. docks from the View menu

def _open_from_view_menu(window, name):
    window.findChild(type(window.trainAction), f"{name}Action").trigger()
    QtWidgets.QApplication.processEvents()
    return window.docks[name]


def test_docks_opened_from_the_view_menu_are_in_front_with_room(window, qtbot):
    for name in ("landscapeView", "gradientView", "ensembleView"):
        dock = _open_from_view_menu(window, name)
        assert dock.isVisible() and not dock.visibleRegion().isEmpty(), name
        assert dock.width() >= 420 and dock.height() >= 300, (name, dock.size())
    lesson = _open_from_view_menu(window, "lessonView")
    QtWidgets.QApplication.processEvents()
    assert lesson.width() >= 380, lesson.width()          # it was squeezed to 272 px


def test_the_ensemble_dock_shows_its_summary_legend_and_buttons_unclipped(window, qtbot):
    dock = _open_from_view_menu(window, "ensembleView")
    view = window.views["ensembleView"]
    for w in (view.summary, view.run_button, view.rules_button, view.plot):
        shown = w.viewport() if isinstance(w, QtWidgets.QAbstractScrollArea) else w
        assert not shown.visibleRegion().isEmpty(), w.objectName()
        # Wholly inside the dock: nothing behind a scroll bar.
        top_left = w.mapTo(dock, w.rect().topLeft())
        bottom_right = w.mapTo(dock, w.rect().bottomRight())
        assert dock.rect().contains(top_left) and dock.rect().contains(bottom_right), w.objectName()
    scrolls = [s for s in dock.findChildren(QtWidgets.QScrollArea)
               if s.horizontalScrollBar().isVisible() or s.verticalScrollBar().isVisible()]
    assert not scrolls


def test_the_landscape_says_it_is_computing_until_its_map_arrives(window, qtbot):
    view = window.views["landscapeView"]
    _open_from_view_menu(window, "landscapeView")
    assert view.busyLabel.isVisible() or view.results_drawn > 0
    qtbot.waitUntil(lambda: view.results_drawn > 0, timeout=30_000)
    assert not view.busyLabel.isVisible()


# ---------------------------------------------------------------- 4. resizing

def test_the_controls_keep_their_width_when_the_window_grows_and_after_a_round_trip(window, qtbot):
    controls = window.docks["controlsDock"]
    QtWidgets.QApplication.processEvents()
    before = controls.width()
    window.resize(1920, 1080)
    QtWidgets.QApplication.processEvents()
    assert controls.width() <= before + 20, (before, controls.width())
    window.resize(930, 600)
    QtWidgets.QApplication.processEvents()
    window.resize(1400, 900)
    QtWidgets.QApplication.processEvents()
    assert abs(controls.width() - before) <= 20, (before, controls.width())
    cell = window.docks["cellView"]
    assert cell.visibleRegion().isEmpty() or cell.width() >= 330


def test_every_default_dock_and_the_lesson_fit_a_1366x768_screen(window, qtbot):
    window.show_lessons()
    QtWidgets.QApplication.processEvents()
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 740, hint
    window.resize(1366, 740)
    QtWidgets.QApplication.processEvents()
    assert window.width() <= 1366


# ---------------------------------------------------------------- 8. the first launch

def test_the_kernel_compiles_in_the_background_and_train_starts_at_once(window, qtbot, monkeypatch):
    from lstm_gui.core.models import compiled
    from lstm_gui.core.training import warm_up
    if not compiled.available():
        return
    done = []

    def slow_compile(progress=None):
        time.sleep(1.5)            # a first launch's compile, without holding the GUI
        done.append(True)
        return True

    monkeypatch.setattr(compiled, "is_cached", lambda models=False: False)
    monkeypatch.setattr(warm_up, "warm_up_all", slow_compile)
    t0 = time.perf_counter()
    window.warm_up_kernel()
    assert time.perf_counter() - t0 < 0.5                  # the window is not frozen
    qtbot.wait(50)
    assert window.busyLabel.isVisible() and "compiling" in window.busyLabel.text()
    window.train()                                          # during the compile
    qtbot.waitUntil(lambda: current(window).epoch > 0, timeout=1000)
    assert not done                                         # trained on numpy meanwhile
    qtbot.waitUntil(lambda: bool(done) and not window.busyLabel.isVisible(), timeout=10_000)
    assert window.trainer.kernel_ready
    window.pause()


# ---------------------------------------------------------------- 7. plain words

def test_f1_help_explains_every_views_terms():
    from lstm_gui.app.help_text import help_html
    text = help_html()
    for term in ("principal direction", "filter-normalised", "λmax", "2/lr", "dE_t/dθ at step s",
                 "lag", "unseen steps (3x)", "start", "off the plane"):
        assert term in text, term


def test_axes_and_titles_say_what_they_are_in_plain_words(window, qtbot):
    from lstm_gui.core.analysis.plane import AXIS_LABELS
    assert "direction of the path" in AXIS_LABELS["pca"][0]
    assert "(principal" in AXIS_LABELS["pca"][0]
    assert "filter-normalised" in AXIS_LABELS["random"][0] and "scaled" in AXIS_LABELS["random"][0]
    gradient = window.views["gradientView"]
    assert "how much" in gradient.mapPlot.titleLabel.text.lower()
    assert "how far back" in gradient.lagPlot.titleLabel.text.lower()
    landscape = window.views["landscapeView"]
    assert "scaled" in landscape.directionsCombo.itemText(landscape.directionsCombo.findData("random"))


def test_the_landscape_names_start_and_now_and_says_how_far_the_path_leaves_the_plane(window, qtbot):
    import numpy as np
    for _ in range(60):
        window.stepButton.click()
    view = window.views["landscapeView"]
    _open_from_view_menu(window, "landscapeView")
    qtbot.waitUntil(lambda: view.results_drawn > 0, timeout=30_000)
    names = [label.text for _, label in view.plot.legend.items]
    assert any("start" in n for n in names) and any("now" in n for n in names), names
    assert "off the plane" in view.offPlaneLabel.text()
    # Lesson 5's case: a start far off the plane is drawn dimmed, and said.
    path = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    view.plot.set_path(path, off_plane=np.array([21.9, 3.0, 0.0]))
    assert len(view.plot.path_off.getData()[0]) >= 2            # the off-plane part, dimmed
