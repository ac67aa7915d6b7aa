"""Why a run stopped: the reasons a run and the compiled trainer both name.

Its own module so that ``compiled_run`` (which the run calls) names them without importing the
run; ``lstm_gui.core.training.run`` re-exports them, where callers have always found them.
"""

BUDGET, TARGET, PLATEAU, DIVERGED = "budget", "target", "plateau", "diverged"
STOP_REASONS = {
    BUDGET: "reached the epoch budget",
    TARGET: "reached the target MSE",
    PLATEAU: "the MSE stopped improving",
    DIVERGED: "the loss became non-finite; kept the last finite parameters",
}
