"""The menu bar: every action the window offers, with its shortcut.  Each action calls the
window (or the controller the window names); the menus hold no state."""
from __future__ import annotations

from .qt import Qt, QtGui

SHORTCUTS_TEXT = """Space: train / pause
Right arrow: one epoch
Backspace: reset to the initial parameters
Ctrl+R: re-initialise from a new seed
Ctrl+Z / Ctrl+Shift+Z: undo / redo (reset, new seed, settings, parameter edits)
Ctrl+O / Ctrl+S / Ctrl+Shift+S: open / save / save as
Ctrl+E: export the history as CSV
Ctrl+Shift+P: screenshot of the window
Ctrl+Q: quit
The bare keys (Space, arrows, Backspace) go to the focused control first: Space ticks a
focused check box, arrows move a focused slider or the time cursor of a focused plot.
Click a legend entry to hide or show its curve; drag to pan, wheel to zoom,
right-click a plot for its menu (auto-range, log axes, export)."""


def action(window, menu, text, slot, shortcut=None, name=None, tip=None) -> QtGui.QAction:
    act = QtGui.QAction(text, window)
    if shortcut is not None:
        act.setShortcut(QtGui.QKeySequence(shortcut))
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    act.triggered.connect(slot)
    if name:
        act.setObjectName(name)
    if tip:
        act.setToolTip(tip)
    menu.addAction(act)
    return act


def build_menus(w) -> None:
    """File, Edit, Train, View, Compare, Help; the actions the tests use become attributes."""
    bar = w.menuBar()
    K = QtGui.QKeySequence.StandardKey
    file = bar.addMenu("&File")
    w.openAction = action(w, file, "&Open…", w.open_dialog, K.Open, "openAction")
    w.recentMenu = file.addMenu("Open &Recent")
    w.recentMenu.setObjectName("recentMenu")
    file.addSeparator()
    w.saveAction = action(w, file, "&Save", w.save, K.Save, "saveAction")
    w.saveAsAction = action(w, file, "Save &As…", w.save_as, K.SaveAs, "saveAsAction")
    file.addSeparator()
    action(w, file, "Export lstm&lib…", w.export_lstmlib, None, "exportLstmlibAction")
    action(w, file, "Export P&yTorch weights and script…", w.export_pytorch, None, "exportPytorchAction",
           tip="m.safetensors with PyTorch's names, and m.py: the model in PyTorch, run on this task")
    action(w, file, "Export &history CSV…", w.export_history, "Ctrl+E", "exportHistoryAction")
    action(w, file, "Export &window screenshot…", w.export_window_png, "Ctrl+Shift+P",
           "exportWindowAction")
    plots = file.addMenu("Export &plot")
    for name, view in w.views.items():
        for plot in view.plots():
            action(w, plots, f"{w.docks[name].windowTitle()}…",
                   lambda _=False, p=plot: w.export_plot_dialog(p))
    file.addSeparator()
    action(w, file, "&Quit", w.close, K.Quit, "quitAction")

    edit = bar.addMenu("&Edit")
    w.undoAction = w.commands.undo.createUndoAction(w, "&Undo")
    w.undoAction.setShortcut(QtGui.QKeySequence(K.Undo))
    w.undoAction.setObjectName("undoAction")
    w.redoAction = w.commands.undo.createRedoAction(w, "&Redo")
    w.redoAction.setShortcut(QtGui.QKeySequence(K.Redo))
    w.redoAction.setObjectName("redoAction")
    edit.addAction(w.undoAction)
    edit.addAction(w.redoAction)

    train = bar.addMenu("&Train")
    w.trainAction = action(w, train, "Train / Pause", w.toggle_training, "Space", "trainAction")
    w.stepAction = action(w, train, "Step one epoch", lambda: w.step(1), "Right", "stepAction")
    w.resetAction = action(w, train, "Reset", w.reset, "Backspace", "resetAction")
    action(w, train, "Re-initialise from a new seed", w.reinitialise, "Ctrl+R", "reinitAction")

    view_menu = bar.addMenu("&View")
    w.viewMenu = view_menu
    for name, dock in w.docks.items():
        act = dock.toggleViewAction()
        act.setObjectName(f"{name}Action")
        view_menu.addAction(act)
    view_menu.addSeparator()
    action(w, view_menu, "Reset &layout", w.reset_layout, None, "resetLayoutAction")

    compare = bar.addMenu("&Compare")
    action(w, compare, "Ensemble of seeds of these settings", w.show_ensemble,
           None, "ensembleAction", "Train many seeds of the current settings at once")
    action(w, compare, "Pin this run as a ghost", w.pin_run, "Ctrl+G", "pinAction",
           "Keep this run's MSE curve on the MSE plot, to compare the next settings with")
    action(w, compare, "Remove the ghost", w.unpin_run, None, "unpinAction")
    action(w, compare, "lstmlib rule vs exact gradient", w.compare_rules, None,
           "compareRulesAction", "The C library's training rule against the exact gradient, same seeds")

    w.helpMenu = bar.addMenu("&Help")
    action(w, w.helpMenu, "&Lessons", w.show_lessons, None, "lessonsAction")
    action(w, w.helpMenu, "The LSTM unit", w.show_unit_help, "F1", "unitHelpAction")
    action(w, w.helpMenu, "Keyboard shortcuts", w._show_shortcuts)
    action(w, w.helpMenu, "About lstm-gui", w._show_about)
    w.files.recent_menu = w.recentMenu
    w.files.rebuild_recent_menu()
