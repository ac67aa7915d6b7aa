"""Help → The LSTM unit: the equations, what each gate and parameter does, a glossary, and
a description of every task (``TASK_HELP``, keyed by task key, for where a task is chosen).
"""
from __future__ import annotations

from ..core.models import Model
from .qt import QtWidgets

_UNIT_TEMPLATE = """
<h2>The LSTM unit</h2>
<p>One long short-term memory unit reads a sequence <i>x</i>(1), …, <i>x</i>(n), one number
at a time, and writes one number <i>h</i>(t) for each.  Between steps it keeps two numbers:
its last output <i>h</i>(t−1) and its <b>cell state</b> <i>C</i>(t−1), a memory that the
unit can keep unchanged for as long as it likes.  It starts with h(0) = 0 and C(0) = 0.</p>

<h3>The equations, at each step t</h3>
<table cellspacing="4">
<tr><td><b>f</b>(t)</td><td>= σ({Wf}·x(t) + {Rf}·h(t−1) + {bf})</td><td>forget gate</td></tr>
<tr><td><b>i</b>(t)</td><td>= σ({Wi}·x(t) + {Ri}·h(t−1) + {bi})</td><td>input gate</td></tr>
<tr><td><b>C~</b>(t)</td><td>= tanh({WC}·x(t) + {RC}·h(t−1) + {bC})</td><td>candidate</td></tr>
<tr><td><b>C</b>(t)</td><td>= f(t)·C(t−1) + i(t)·C~(t)</td><td>cell state</td></tr>
<tr><td><b>o</b>(t)</td><td>= σ({Wo}·x(t) + {Ro}·h(t−1) + {bo})</td><td>output gate</td></tr>
<tr><td><b>h</b>(t)</td><td>= o(t)·tanh(C(t))</td><td>output</td></tr>
</table>
<p>σ(z) = 1 / (1 + e<sup>−z</sup>) squeezes any number into (0, 1): a gate that is
0 is shut, 1 is open.  tanh squeezes into (−1, 1).</p>

<h3>What each part does</h3>
<ul>
<li><b>Forget gate f</b>: how much of the old cell state C(t−1) is kept.  f = 1 keeps
all of it (the memory runs along the "conveyor belt" unchanged), f = 0 wipes it.</li>
<li><b>Input gate i</b>: how much of the candidate is written into the cell state.</li>
<li><b>Candidate C~</b>: the value proposed for writing, between −1 and 1.</li>
<li><b>Cell state C</b>: the memory.  It is not bounded: repeated writes with f near 1 can
take it beyond ±1.</li>
<li><b>Output gate o</b>: how much of the memory, squeezed by tanh, is shown as the
output.</li>
<li><b>Output h</b>: what the unit answers at step t; it is also fed back as h(t−1) at the
next step.</li>
</ul>

<h3>The 12 parameters</h3>
<p>Each of the four gates f, i, C~, o has three numbers, in this order (also the order of the
parameter table and of the C library's save file):
{all}.</p>
<ul>
<li><b>W_*h</b>, the <b>recurrent</b> weights: how strongly the gate listens to the unit's
own previous output h(t−1).</li>
<li><b>W_*x</b>, the <b>input</b> weights: how strongly the gate listens to the input
x(t).</li>
<li><b>b_*</b>, the <b>biases</b>: the gate's setting when both inputs are 0 (a weight on
a constant input of 1).  A large {bf}, say +5, keeps the forget gate open: the cell never
forgets.</li>
</ul>
<p>In the cell view a weight is drawn blue when positive and vermillion when negative,
thicker when larger; hover shows its value, a double click edits it.</p>

<h3>Glossary</h3>
<dl>
<dt><b>Epoch</b></dt><dd>One pass over the whole sequence: run the unit, measure the error,
change every parameter once.</dd>
<dt><b>MSE</b></dt><dd>Mean squared error, E = (1/n)·Σ (h(t) − target(t))²: how far the
output is from the target on average.  Training makes it smaller.</dd>
<dt><b>Learning rate</b></dt><dd>How big a step each update takes: p ← p − lr·dE/dp.  Too
small barely moves (plain descent at 0.01 needs tens of thousands of epochs); too large
overshoots and can diverge.</dd>
<dt><b>BPTT</b></dt><dd>Backpropagation through time: the chain rule applied backwards from
the last step to the first, giving the exact gradient dE/dp of all 12 parameters.</dd>
<dt><b>Exact gradient vs the lstmlib rule</b></dt><dd>lstm-gui trains with the exact
gradient.  The C library lstmlib, which this project started from, uses its own update
(derivatives carried forward in time, computed from gates that differ from its forward
pass).  How far off the exact gradient it is depends on the parameters: on sine to cosine,
17 % at the median of 40 random starts (quartiles 10 % and 29 %), 33 % at the start of
lesson 6's run and 60 % by its epoch 5 000.  It is slower, but it still converges on the
waveform tasks.</dd>
<dt><b>Optimizer</b></dt><dd>The rule that turns gradients into steps: plain gradient
descent (SGD), momentum, or Adam (a step size per parameter, usually much faster here).</dd>
<dt><b>Chain</b></dt><dd>Several units in a row: the output sequence h of one unit is the
input sequence x of the next; the last unit's output is compared with the target.  The
error is propagated back through every unit.</dd>
<dt><b>lstmlib timing</b></dt><dd>The C library computes step t from x(t−1), and step 1 from
the biases alone: the same equations fed the input delayed by one step, [0, x(1), …,
x(n−1)].  With this option on, every unit reads its input one step late, and the cell view
shows the delayed value it really read.</dd>
<dt><b>Noise</b></dt><dd>Uniform random numbers added to the target, the input or both,
drawn once (or again every epoch): can the unit learn the clean shape from noisy
examples?</dd>
<dt><b>Generalisation span</b></dt><dd>The trained unit run past the training length on
the continued waveform, with the MSE on the part it never saw.  The MSE plot's
<b>unseen steps (3x)</b> curve is that MSE over the epochs: the error on three times the
training length, on steps the unit never trained on.</dd>
</dl>

<h3>The words of each view</h3>
<dl>
<dt><b>Signal, Gates, MSE, Parameters</b></dt><dd>Signal: the input x, the target and the
output h over the time steps t.  Gates: f, i, o (0 to 1), C~ and h (−1 to 1) and the cell
state C at each step.  MSE: the error over the epochs (log scale); <i>smoothed</i> is its
running mean; <i>pinned</i> a run kept for comparison.  Parameters: each of the 12 numbers
over the epochs; tick <b>fix</b> in the table to keep one fixed while the others train.</dd>
<dt><b>Landscape</b></dt><dd>The MSE of every model on a flat slice (a <i>plane</i>) through
the 12-dimensional space of parameters, coloured from low (dark) to high (yellow), log
scale.  The <b>start</b> square is the model at epoch 0, the <b>now</b> dot the current one,
the red line the training path between them.  The plane's two directions:
<ul>
<li><b>main directions of the path</b> (<i>principal direction</i> 1 and 2, PCA): the two
directions in which the path moved most;</li>
<li><b>from the start to now</b>, and a random direction across it;</li>
<li><b>two parameters</b>: an exact slice, every other parameter held;</li>
<li><b>random, scaled to the parameters</b> (<i>filter-normalised</i>): random directions
whose size, gate by gate, matches the parameters' own, so that the plots of different
models compare;</li>
<li><b>most curved directions</b> (Hessian eigenvectors): where the MSE bends fastest.</li>
</ul>
A path point seldom lies on the plane: it is drawn where it projects onto it, and the view
says how far it lies <b>off the plane</b>.  A point far off is dimmed (dashed): the colour
under it is not its own MSE (a start 21.9 units off the plane may sit on MSE 1.10 while its
own MSE was 0.150).</dd>
<dt><b>Curvature, λmax and 2/lr</b></dt><dd>The Hessian is the table of second
derivatives of the MSE; its largest eigenvalue <b>λmax</b> is the sharpest curvature at the
model.  Plain gradient descent with learning rate lr is stable only while λmax is below
<b>2/lr</b>; beyond it each step overshoots the valley's floor and the steps grow.  Adam
rescales its steps, so for Adam this is a guide only.</dd>
<dt><b>Gradient flow</b></dt><dd>How much the error at step t teaches the parameters
through their use at an earlier step s: <b>|dE_t/dθ at step s|</b> (E_t the error at step
t, θ the parameters), a map with t down and s across.  The <b>lag</b> is t − s, how many
steps back the lesson reaches; the lag plot adds the map up by lag, per gate.  The
<b>memory horizon</b> is the lag within which 90 % of the gradient arrives: how far back
the unit learns.  For a model of H units, layers, a GRU or a variant: the same map over all its
parameters, the lag per gate of its family (the distance |t − s|: a reverse direction learns
from later steps), the horizon over its gates (the readout is used at lag 0 only).</dd>
<dt><b>Ensemble</b></dt><dd>Many seeds (random starting parameters) of the same settings,
trained together (the unit) or one after another (any other model): the median MSE and the
band holding 80 % of the seeds (10-90 %), and how the final MSEs spread.  Was a run luck?
Pin a result, change a setting (the cell, say) and train again: a table in Greff et al.'s
way compares them (the difference of the median test MSEs, its 95 % interval over the
seeds, and whether the seeds make it clear).</dd>
</dl>
"""


def _unit_names() -> dict[str, str]:
    """The template's placeholders: {Rf} -> the Model's name of f's recurrent weight, ...,
    {all} -> every parameter of SPEC's unit in order."""
    unit = Model()
    out = {f"{kind}{g}": unit.block(kind, g).name for kind in ("R", "W", "b") for g in unit.gates}
    out["all"] = ", ".join(unit.names())
    return out


UNIT_HTML = _UNIT_TEMPLATE.format(**_unit_names())

# What each task asks of the unit, in plain words.  Keys are core.tasks keys; tasks added by
# other modules (delay-k, running-sum, next-step) are described here too.
TASK_HELP = {
    "sin-cos": "Sine to cosine: the input is a sine, the target the cosine, a quarter of a "
               "period ahead.  The unit must shift the wave in time, which it can only do "
               "by remembering where in the cycle it is.",
    "square-cos": "Square to cosine: the input jumps between +A and −A; the target is the "
                  "smooth cosine.  The unit must both delay and smooth: the cell state ramps "
                  "while the input stays flat.",
    "sin-square": "Sine to square: the input is a sine, the target a square wave of the same "
                  "phase.  The unit must saturate its output (o and tanh(C) near their limits) "
                  "and switch fast at each zero crossing.",
    "trajectories": "Parameter trajectories: sine to cosine at amplitude 1 for 2 000 epochs, "
                    "the run whose 12 parameter curves the C library's document plots.  Watch "
                    "the Parameters plot.",
    "freq-double": "Frequency doubled, shifted: the target runs twice as fast as the input.  "
                   "Hard for one unit: the output must turn twice per input cycle.",
    "random": "Random target: the input is 0 everywhere, the target random numbers.  It "
              "cannot be learned: with x = 0 the unit's output follows a fixed course set by "
              "its biases and recurrent weights, and random numbers have no course.  The MSE "
              "stalls near the target's variance; this is the point of the example.",
    "sawtooth-cos": "Sawtooth to cosine: the input rises steadily and drops once per cycle; "
                    "the target is the cosine.",
    "triangle-cos": "Triangle to cosine: the input rises and falls linearly; the target is "
                    "the cosine, a quarter period ahead.",
    "delay-k": "Delay by k steps: the target is the input shifted k steps later.  The unit "
               "must hold what it saw for k steps in its cell state (forget gate open) "
               "and let it out at the right time.",
    "running-sum": "Running sum: the input is random, the target the (scaled) sum of all "
                   "inputs so far.  A unit solves it by keeping its forget gate open (f near 1) "
                   "and adding each input into C: the conveyor belt at work.  Try freezing "
                   f"{Model().block('b', 'f').name} at +5.",
    "next-step": "Next step: predict x(t+1) from the inputs up to t.  After training the unit "
                 "can run free, its own output fed back as the next input.",
    "csv": "A task read from a CSV file of two columns, input and target.",
}


def task_help(key: str) -> str:
    """The plain-words description of a task, or '' for an unknown key."""
    return TASK_HELP.get(key, "")


def help_html() -> str:
    """The whole help page: the unit, then every task."""
    from ..core.training.tasks import PRESETS

    rows = []
    for key, text in TASK_HELP.items():
        title = PRESETS[key].title if key in PRESETS else key
        rows.append(f"<dt><b>{title}</b> <code>{key}</code></dt><dd>{text}</dd>")
    return UNIT_HTML + "<h3>The tasks</h3><dl>" + "".join(rows) + "</dl>"


class HelpDialog(QtWidgets.QDialog):
    """Help → The LSTM unit: the page in a QTextBrowser."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle("The LSTM unit")
        self.browser = QtWidgets.QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(help_html())
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(640, 720)
