"""The Lesson view: predict, then check.

A lesson's question is shown with a place to commit a prediction (``predictionInput``: pick
one of the lesson's choices or type a short answer, then Commit).  The explanation ("What you
saw") stays folded until the learner has committed, or has trained the lesson's run past its
last moment, or presses Show what happened (``revealButton``); then it unfolds with the
prediction beside what happened.  The moments the lesson points at are links: clicking one
asks the window to replay that epoch (and move the time cursor to the step it names).
Progress (predictions, lessons done) is kept between launches (``LessonProgress``).
"""
from __future__ import annotations

from ...core import lessons
from ..lesson_progress import LessonProgress
from ..qt import Qt, QtCore, QtGui, QtWidgets, Signal
from .base import View

DONE = "✓ "


class LessonView(View):
    """Pick a lesson, read its question, press "Set up": the run is replaced by the lesson's
    (undoably, through ``ctx.trainer.replace_run``) and the views it names are shown."""

    name = "lessonView"
    title = "Lesson"
    area = Qt.DockWidgetArea.LeftDockWidgetArea
    shown_by_default = False

    lesson_requested = Signal(object)   # the Lesson just set up
    moment_requested = Signal(object)   # a lessons.Moment whose link was clicked
    pin_requested = Signal()            # the text's "pin this run" link
    settings_requested = Signal(dict)   # a "lesson:set?name=value" link: {name: value}
    start_requested = Signal(dict)      # a "lesson:start?b_f=2" link: {parameter: value}

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.progress = LessonProgress(ctx.settings)
        self.active: str | None = None   # the lesson whose run was set up last
        self._shown_now: set[str] = set()   # unfolded by Show what happened, this session
        self.lessonCombo = QtWidgets.QComboBox(objectName="lessonCombo")
        for name in lessons.names():
            self.lessonCombo.addItem("", name)
        self._label_lessons()
        # Long lesson titles must not set the dock's width (it was 505 px at least).
        self.lessonCombo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.lessonCombo.setMinimumContentsLength(16)
        self.setUpButton = QtWidgets.QPushButton("Set up", objectName="setUpButton")
        self.setUpButton.setToolTip("Replace the run by this lesson's (undo with Ctrl+Z), set "
                                    "the view options it needs and show the views it uses")
        self.text = QtWidgets.QTextBrowser(objectName="lessonText")
        self.text.setOpenLinks(False)   # moment: and lesson: links are ours; the web's open below
        self.text.anchorClicked.connect(self._on_link)

        self.predictionInput = QtWidgets.QComboBox(objectName="predictionInput")
        self.predictionInput.setEditable(True)
        self.predictionInput.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        self.predictionInput.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.predictionInput.setMinimumContentsLength(12)   # not a parameter count
        self.predictionInput.setToolTip("Pick an answer or type your own, then Commit")
        line = self.predictionInput.lineEdit()
        line.setMaxLength(200)
        line.returnPressed.connect(self.commit)
        self.commitButton = QtWidgets.QPushButton("Commit", objectName="commitButton")
        self.commitButton.setToolTip("Keep this prediction; the lesson's explanation unfolds "
                                     "beside it")
        self.commitButton.clicked.connect(self.commit)
        self.revealButton = QtWidgets.QPushButton("Show what happened", objectName="revealButton")
        self.revealButton.setToolTip("Unfold the explanation without a prediction")
        self.revealButton.clicked.connect(self.reveal)
        self.startOverButton = QtWidgets.QPushButton("Start over", objectName="startOverButton")
        self.startOverButton.setToolTip("Forget this lesson's prediction and fold the "
                                        "explanation again")
        self.startOverButton.clicked.connect(self.start_over)

        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.lessonCombo, 1)
        top.addWidget(self.setUpButton)
        predict = QtWidgets.QHBoxLayout()
        predict.addWidget(QtWidgets.QLabel("Prediction:"))
        predict.addWidget(self.predictionInput, 1)
        predict.addWidget(self.commitButton)
        answer = QtWidgets.QHBoxLayout()
        answer.addStretch(1)
        answer.addWidget(self.startOverButton)
        answer.addWidget(self.revealButton)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)
        layout.addLayout(predict)
        layout.addLayout(answer)
        self.lessonCombo.currentIndexChanged.connect(self._show_lesson)
        self.setUpButton.clicked.connect(self.set_up)
        self._show_lesson()

    # ------------------------------------------------------------ state

    @property
    def lesson(self) -> lessons.Lesson:
        return lessons.load(self.lessonCombo.currentData())

    def is_revealed(self, name: str | None = None) -> bool:
        """True once the explanation of lesson `name` (default: the one shown) is unfolded."""
        name = name or self.lessonCombo.currentData()
        return (bool(self.progress.prediction(name)) or self.progress.done(name)
                or name in self._shown_now)

    def _label_lessons(self) -> None:
        for k in range(self.lessonCombo.count()):
            name = self.lessonCombo.itemData(k)
            mark = DONE if self.progress.done(name) else ""
            self.lessonCombo.setItemText(k, f"{mark}{k + 1}. {lessons.load(name).title}")

    # ------------------------------------------------------------ what the learner does

    def open(self, name: str) -> None:
        """Show the lesson called `name` (not yet set up)."""
        index = self.lessonCombo.findData(name)
        if index < 0:
            raise lessons.LessonError(f"no lesson {name!r}")
        self.lessonCombo.setCurrentIndex(index)

    def commit(self) -> None:
        """Keep the typed or chosen prediction; the explanation unfolds beside it."""
        text = self.predictionInput.currentText().strip()
        if not text:
            self.ctx.info("Pick or type a prediction first, then Commit")     # a hint
            return
        self.progress.commit(self.lessonCombo.currentData(), text)
        self._show_lesson()

    def reveal(self) -> None:
        self._shown_now.add(self.lessonCombo.currentData())
        self._show_lesson()

    def start_over(self) -> None:
        name = self.lessonCombo.currentData()
        self.progress.forget(name)
        self._shown_now.discard(name)
        self._label_lessons()
        self._show_lesson()

    def set_up(self) -> None:
        """Replace the run by the lesson's fresh run and show the lesson's views.  The run it
        replaces is one Ctrl+Z away; the window resets the view options (``lesson_requested``)."""
        lesson = self.lesson
        replaced = self.ctx.trainer.replace_run(lessons.make_run(lesson.config, dict(lesson.start)),
                                                f"Lesson: {lesson.title}")
        if replaced is False:   # the learner was asked about unsaved training and cancelled
            return
        self.active = lesson.name
        docks = getattr(self.window(), "docks", {})
        for name in lesson.docks:
            if name in docks:   # a view this build lacks (e.g. the landscape) is skipped
                docks[name].show()
                docks[name].raise_()
        self.lesson_requested.emit(lesson)

    def _on_link(self, url: QtCore.QUrl) -> None:
        text = url.toString()
        moment = lessons.parse_link(text)
        if moment is not None:
            self.moment_requested.emit(moment)
        elif text == "lesson:pin":
            self.pin_requested.emit()
        elif lessons.parse_start_link(text) is not None:
            self.start_requested.emit(lessons.parse_start_link(text))
        elif lessons.parse_settings_link(text) is not None:
            self.settings_requested.emit(lessons.parse_settings_link(text))
        elif url.scheme() in ("http", "https"):
            QtGui.QDesktopServices.openUrl(url)

    def show_snapshot(self, snap) -> None:
        """Training the lesson's run past its last moment unfolds the explanation."""
        name = self.active
        if name is None or self.progress.done(name) or snap.epoch == 0:
            return
        lesson = lessons.load(name)
        if snap.config.task == lesson.config.task and snap.epoch >= lesson.last_moment:
            self.progress.mark_done(name)
            self._label_lessons()
            if name == self.lessonCombo.currentData():
                self._show_lesson()

    # ------------------------------------------------------------ the text

    def _show_lesson(self, *_) -> None:
        lesson = self.lesson
        revealed = self.is_revealed(lesson.name)
        prediction = self.progress.prediction(lesson.name)
        parts = [f"# {lesson.title}\n\n{lesson.question}"]
        if lesson.bookmarks:
            parts.append(_moments(lesson, revealed))
        if revealed:
            heading, _sep, body = lesson.explanation.partition("\n")
            parts.append(f"{heading}\n\n{_comparison(lesson, prediction)}\n{body}")
        else:
            parts.append(f"*What you saw* is folded: commit a prediction, train past epoch "
                         f"{lesson.last_moment:,}, or press Show what happened.\n")
        bar = self.text.verticalScrollBar().value()
        self.text.setMarkdown("\n\n".join(parts))
        self.text.verticalScrollBar().setValue(bar)
        self.predictionInput.blockSignals(True)
        self.predictionInput.clear()
        self.predictionInput.addItems(list(lesson.choices))
        self.predictionInput.setCurrentIndex(-1)
        self.predictionInput.setEditText(prediction)
        self.predictionInput.blockSignals(False)
        self.predictionInput.lineEdit().setPlaceholderText(
            "pick an answer or type your own" if lesson.choices else "type your answer")
        # Once the answer is shown, a prediction would be a copy: the input closes.
        self.predictionInput.setEnabled(not revealed)
        self.commitButton.setEnabled(not revealed)
        self.revealButton.setVisible(not revealed)
        self.startOverButton.setVisible(revealed)


def _moment_name(m: lessons.Moment) -> str:
    return f"epoch {m.epoch:,}" + (f", t = {m.step}" if m.step is not None else "")


def _moments(lesson: lessons.Lesson, revealed: bool) -> str:
    """The lesson's moments as links; their notes tell what to see, so they wait for the
    explanation."""
    if revealed:
        lines = [f"- [{_moment_name(m)}]({m.link}): {m.note}" for m in lesson.bookmarks]
        return "**Moments to look at** (click one to replay it):\n\n" + "\n".join(lines) + "\n"
    links = " · ".join(f"[{_moment_name(m)}]({m.link})" for m in lesson.bookmarks)
    return f"**Moments to look at** (click to replay, once trained): {links}\n"


def _comparison(lesson: lessons.Lesson, prediction: str) -> str:
    """The learner's prediction beside what happened: a two-column table."""
    said = (prediction or "nothing (you pressed Show what happened)").replace("|", "/")
    happened = (lesson.outcome or "see below").replace("|", "/")
    return f"| You predicted | What happened |\n|---|---|\n| {said} | {happened} |\n"
