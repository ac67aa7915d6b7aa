"""The Lesson view: a lesson's text beside the plots, and a button that sets its run up."""
from __future__ import annotations

from ...core import lessons
from ...core.training.run import TrainingRun
from ..qt import Qt, QtWidgets, Signal
from .base import View


class LessonView(View):
    """Pick a lesson, read its question, press "Set up": the run is replaced by the lesson's
    (undoably, through ``ctx.trainer.replace_run``) and the views it names are shown."""

    name = "lessonView"
    title = "Lesson"
    area = Qt.DockWidgetArea.LeftDockWidgetArea
    shown_by_default = False

    lesson_requested = Signal(object)   # the Lesson just set up

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.lessonCombo = QtWidgets.QComboBox(objectName="lessonCombo")
        for number, name in enumerate(lessons.names(), start=1):
            self.lessonCombo.addItem(f"{number}. {lessons.load(name).title}", name)
        # Long lesson titles must not set the dock's width (it was 505 px at least).
        self.lessonCombo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.lessonCombo.setMinimumContentsLength(16)
        self.setUpButton = QtWidgets.QPushButton("Set up", objectName="setUpButton")
        self.setUpButton.setToolTip("Replace the run by this lesson's (undo with Ctrl+Z) "
                                    "and show the views it uses")
        self.text = QtWidgets.QTextBrowser(objectName="lessonText")
        self.text.setOpenExternalLinks(True)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.lessonCombo, 1)
        top.addWidget(self.setUpButton)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)
        self.lessonCombo.currentIndexChanged.connect(self._show_lesson)
        self.setUpButton.clicked.connect(self.set_up)
        self._show_lesson()

    @property
    def lesson(self) -> lessons.Lesson:
        return lessons.load(self.lessonCombo.currentData())

    def open(self, name: str) -> None:
        """Show the lesson called `name` (not yet set up)."""
        index = self.lessonCombo.findData(name)
        if index < 0:
            raise lessons.LessonError(f"no lesson {name!r}")
        self.lessonCombo.setCurrentIndex(index)

    def _show_lesson(self, *_) -> None:
        lesson = self.lesson
        text = f"# {lesson.title}\n\n{lesson.text}"
        if lesson.bookmarks:
            text += "\n**Moments to look at:** " + "; ".join(
                f"epoch {epoch}: {note}" for epoch, note in lesson.bookmarks) + "\n"
        self.text.setMarkdown(text)

    def set_up(self) -> None:
        """Replace the run by the lesson's fresh run and show the lesson's views."""
        lesson = self.lesson
        self.ctx.trainer.replace_run(TrainingRun(lesson.config), f"Lesson: {lesson.title}")
        docks = getattr(self.window(), "docks", {})
        for name in lesson.docks:
            if name in docks:   # a view this build lacks (e.g. the landscape) is skipped
                docks[name].show()
                docks[name].raise_()
        self.lesson_requested.emit(lesson)

    def show_snapshot(self, snap) -> None:
        """Nothing to draw: the text does not follow the run."""
