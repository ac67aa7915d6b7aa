"""Benchmark of the general models' compiled kernels against PyTorch, for `python -m lstm_gui.bench`.

Three measures, each as paired rounds of whole runs (ours, then torch's, alternating which
goes first), reported as the median and quartiles of the per-round ratios and of each side's
time:

(a) the PyTorch tutorial's epoch: sine to cosine, 200 points over 12 pi, the first half
    reshaped to 20 steps x batch 5, nn.LSTM(1, 16) + Linear(16, 1), MSE, Adam lr 1e-2: a run
    of `epochs` epochs (forward, backward, update each);
(b) the Keras tutorial's sum of a sequence: 1 000 sequences of 10 N(0, 1) steps, the target
    each one's sum (sequence-to-one), LSTM(64) + Dense(1), Adam lr 1e-3, batch 32, shuffled
    each epoch, 10 epochs: ours in float64 (the default) and in float32 (the opt-in
    ``precision="float32"``, torch's own arithmetic), each against torch in the same rounds;
(c) K = 256 models trained in one population call against the same 256 runs one call each.

torch is not a dependency: it runs in a worker process started with the interpreter given
by ``--torch-python`` (one thread, ``torch.set_num_threads(1)``), which receives one line per
round on stdin and answers with the time it measured.  Without it the torch columns are
skipped (and said so).
"""
from __future__ import annotations

import json
import math
import subprocess
import time
from dataclasses import dataclass, replace

import numpy as np

from ..core.models import Model
from ..core.models.compiled import available
from ..core.models.compiled.fast_model import FastModel

# The torch side, run as `python -c WORKER` in the torch interpreter.  The same experiments
# as run_ours below, written as the tutorials write them (float32, torch's own init).
WORKER = r'''
import json, math, sys, time
import numpy as np
import torch
torch.set_num_threads(1)
torch.manual_seed(0)

def tutorial(epochs):
    t = np.linspace(0, 12 * math.pi, 200)
    x = torch.tensor(np.sin(t[:100]), dtype=torch.float32).reshape(-1, 5, 1)
    y = torch.tensor(np.cos(t[:100]), dtype=torch.float32).reshape(-1, 5, 1)
    lstm, lin = torch.nn.LSTM(1, 16), torch.nn.Linear(16, 1)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(lin.parameters()), lr=1e-2)
    start = time.perf_counter()
    for _ in range(epochs):
        opt.zero_grad()
        out, _ = lstm(x)
        loss = torch.nn.functional.mse_loss(lin(out), y)
        loss.backward()
        opt.step()
    return time.perf_counter() - start, loss.item()

def sum_task(epochs, hidden, batch):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 10, 1))
    x = torch.tensor(X, dtype=torch.float32).transpose(0, 1).contiguous()
    y = torch.tensor(X.sum(axis=1), dtype=torch.float32)
    lstm, lin = torch.nn.LSTM(1, hidden), torch.nn.Linear(hidden, 1)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(lin.parameters()), lr=1e-3)
    start = time.perf_counter()
    for _ in range(epochs):
        total = 0.0
        perm = torch.randperm(1000)
        for lo in range(0, 1000, batch):
            idx = perm[lo:lo + batch]
            opt.zero_grad()
            out, _ = lstm(x[:, idx])
            loss = torch.nn.functional.mse_loss(lin(out[-1]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
    return time.perf_counter() - start, total / 1000

def tutorial_stop(limit):
    t = np.linspace(0, 12 * math.pi, 200)
    x = torch.tensor(np.sin(t[:100]), dtype=torch.float32).reshape(-1, 5, 1)
    y = torch.tensor(np.cos(t[:100]), dtype=torch.float32).reshape(-1, 5, 1)
    lstm, lin = torch.nn.LSTM(1, 16), torch.nn.Linear(16, 1)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(lin.parameters()), lr=1e-2)
    start = time.perf_counter()
    for epoch in range(1, limit + 1):
        opt.zero_grad()
        out, _ = lstm(x)
        loss = torch.nn.functional.mse_loss(lin(out), y)
        if loss.item() < 1e-4:
            break
        loss.backward()
        opt.step()
    return time.perf_counter() - start, epoch

print(json.dumps({"torch": torch.__version__}), flush=True)
for line in sys.stdin:
    job = json.loads(line)
    if job["task"] == "tutorial":
        secs, loss = tutorial(job["epochs"])
    elif job["task"] == "tutorial_stop":
        secs, loss = tutorial_stop(job["epochs"])
    else:
        secs, loss = sum_task(job["epochs"], job["hidden"], job["batch"])
    print(json.dumps({"seconds": secs, "loss": loss}), flush=True)
'''


class TorchWorker:
    """A torch process that runs one round per request (see WORKER)."""

    def __init__(self, python: str):
        self.proc = subprocess.Popen([python, "-c", WORKER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        hello = self._read()
        self.version = hello["torch"]

    def _read(self) -> dict:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the torch worker stopped (is torch installed in that interpreter?)")
        return json.loads(line)

    def run(self, **job) -> tuple[float, float]:
        """One round: (seconds, final loss) as the worker measured them."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        out = self._read()
        return out["seconds"], out["loss"]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


# ---------------------------------------------------------------- our side

def tutorial_data() -> tuple[np.ndarray, np.ndarray]:
    """The PyTorch tutorial's training half: x (20, 5, 1), target (20, 5); column b holds
    points b, b+5, b+10, ... (reshape(-1, 5, 1) of the first 100 points)."""
    t = np.linspace(0, 12 * math.pi, 200)  # not a parameter count
    return np.sin(t[:100]).reshape(-1, 5, 1), np.cos(t[:100]).reshape(-1, 5)


def sum_data(n: int = 1000, steps: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The Keras tutorial's sum task: x (steps, n, 1) N(0, 1), target (n,) each one's sum."""
    X = np.random.default_rng(seed).standard_normal((n, steps, 1))
    return np.ascontiguousarray(X.transpose(1, 0, 2)), X.sum(axis=1)[:, 0]


def run_tutorial(epochs: int) -> tuple[float, float]:
    """(seconds, final epoch's loss) of `epochs` epochs of the tutorial, compiled."""
    model = Model(hidden=16)
    fm = FastModel(model)
    x, y = tutorial_data()
    theta = model.init(0, scheme="pytorch")
    start = time.perf_counter()
    _, losses, _ = fm.train(theta, x, y, epochs, optimizer="adam", lr=1e-2)
    return time.perf_counter() - start, float(losses[-1])


def run_sum(epochs: int, hidden: int, batch: int, seed: int = 0,
            precision: str = "float64") -> tuple[float, float]:
    """(seconds, last epoch's training MSE) of the sum task, compiled, shuffled per epoch."""
    model = Model(hidden=hidden)
    fm = FastModel(model, precision)
    x, y = sum_data()
    theta = model.init(seed, scheme="pytorch")
    start = time.perf_counter()
    _, losses, _ = fm.train(theta, x, y, epochs, batch=batch, lr=1e-3,
                            rng=np.random.default_rng(seed))
    return time.perf_counter() - start, float(losses[-1])


def run_sum_whole(seed: int = 0, hidden: int = 64,
                  precision: str = "float64") -> tuple[float, float]:
    """(seconds, last epoch's training MSE) of the sum preset as a user runs it
    (`lstm-gui train --task sum-of-sequence [--precision float32]`): a TrainingRun made and
    trained to its budget of 10 epochs, test MSE recorded every epoch, on whichever path the
    run takes."""
    from ..core.training.run import RunConfig, TrainingRun, for_set_preset
    start = time.perf_counter()
    run = TrainingRun(replace(for_set_preset(RunConfig(seed=seed), "sum-of-sequence"),
                              hidden=hidden, precision=precision))
    run.train(run.config.epochs)
    return time.perf_counter() - start, float(run.mse)


def run_tutorial_stop(seed: int = 0, precision: str = "float64") -> tuple[float, int]:
    """(seconds, epochs) of the torch-sin-cos preset from start to its stop (MSE < 1e-4)."""
    from ..core.training.run import RunConfig, TrainingRun, for_set_preset
    start = time.perf_counter()
    run = TrainingRun(replace(for_set_preset(RunConfig(seed=seed), "torch-sin-cos"),
                              precision=precision))
    run.train(run.config.epochs)
    return time.perf_counter() - start, run.epoch


def run_population(k: int, epochs: int, hidden: int, together: bool) -> float:
    """Seconds for k models of the tutorial's task (Adam 1e-2), `epochs` each: one population
    call (together) or k calls one after another."""
    model = Model(hidden=hidden)
    fm = FastModel(model)
    x, y = tutorial_data()
    thetas = np.stack([model.init(s, scheme="pytorch") for s in range(k)])
    start = time.perf_counter()
    if together:
        fm.train_population(thetas, x, y, epochs, lr=1e-2)
    else:
        for theta in thetas:
            fm.train(theta, x, y, epochs, lr=1e-2)
    return time.perf_counter() - start


# ---------------------------------------------------------------- pairing

@dataclass
class Paired:
    """Per-round times of two sides and their ratios (other / ours): medians and quartiles."""

    ours: list[float]
    other: list[float]

    @staticmethod
    def _q(values) -> tuple[float, float, float]:
        low, mid, high = np.percentile(values, [25, 50, 75])
        return float(mid), float(low), float(high)

    @property
    def ratio(self) -> tuple[float, float, float]:
        return self._q(np.array(self.other) / np.array(self.ours))

    def text(self, unit: float, unit_name: str, ours_name: str, other_name: str) -> str:
        o, t, r = self._q(self.ours), self._q(self.other), self.ratio
        return (f"{ours_name} {o[0] / unit:.4g} {unit_name} ({o[1] / unit:.4g}-{o[2] / unit:.4g}), "
                f"{other_name} {t[0] / unit:.4g} ({t[1] / unit:.4g}-{t[2] / unit:.4g}): "
                f"{r[0]:.2f}x (quartiles {r[1]:.2f}-{r[2]:.2f}, {len(self.ours)} rounds)")


def rounds_of(sides: dict, rounds: int) -> dict[str, list[float]]:
    """Each side (name: a function returning seconds) once per round, for `rounds` rounds,
    the order rotated every round so that no side always goes first."""
    names = list(sides)
    out: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        k = r % len(names)
        for n in names[k:] + names[:k]:
            out[n].append(sides[n]())
    return out


def paired(ours, other, rounds: int) -> Paired:
    """Alternate ours() and other() (each returns seconds) for `rounds` rounds."""
    a, b = [], []
    for r in range(rounds):
        if r % 2:
            b.append(other())
            a.append(ours())
        else:
            a.append(ours())
            b.append(other())
    return Paired(a, b)


# ---------------------------------------------------------------- the benchmark

@dataclass
class Sizes:
    tutorial_epochs: int = 500
    sum_epochs: int = 10
    pop_k: int = 256
    pop_epochs: int = 100
    pop_hidden: int = 4
    rounds: int = 5
    stop_rounds: int = 3


FULL = Sizes()
QUICK = Sizes(tutorial_epochs=200, sum_epochs=3, pop_k=64, pop_epochs=50, rounds=3, stop_rounds=0)


def bench_layer(torch_python: str | None = None, sizes: Sizes = FULL) -> dict:
    """Print the three measures; returns them (Paired per name) for tests."""
    out: dict[str, Paired] = {}
    if not available():
        print("general models, compiled: numba is not installed; skipped")
        return out
    from ..core.models.compiled import _blas
    blas = _blas.set_threads(1)     # one thread each: torch's side sets its own to 1
    print()
    print("general models, compiled (numba, float64" + (", numpy's OpenBLAS dgemm on one thread"
          if blas else ", own matrix loops") + "; (b) and (d) also float32) against PyTorch "
          "(float32, one thread):")
    run_tutorial(2)
    run_sum(1, 8, 32)            # compiled or loaded from numba's cache before timing
    run_sum_whole(hidden=2)
    run_sum_whole(hidden=2, precision="float32")     # lstm32: compiled on first use
    run_sum(1, 8, 32, precision="float32")
    worker = None
    if torch_python:
        try:
            worker = TorchWorker(torch_python)
            print(f"  torch {worker.version} in {torch_python}")
        except (OSError, RuntimeError, ValueError) as exc:
            print(f"  torch comparison skipped: {torch_python} did not start a torch worker ({exc})")
            worker = None
    else:
        print("  torch comparison skipped (give --torch-python PATH, an interpreter with torch)")
    try:
        e = sizes.tutorial_epochs
        losses: dict[str, float] = {}

        def ours_a():
            secs, losses["ours"] = run_tutorial(e)
            return secs

        def torch_a():
            assert worker is not None
            secs, losses["torch"] = worker.run(task="tutorial", epochs=e)
            return secs

        if worker is not None:
            out["tutorial"] = p = paired(ours_a, torch_a, sizes.rounds)
            print(f"  (a) tutorial H = 16, {e} epochs of 20 steps x batch 5, Adam: per epoch "
                  + p.text(e * 1e-6, "us", "ours", "torch") + "; target >= 10x")
            print(f"      last epoch's loss: ours {losses['ours']:.2e}, torch {losses['torch']:.2e}")
        else:
            times = [ours_a() for _ in range(sizes.rounds)]
            mid, low, high = Paired._q(times)
            print(f"  (a) tutorial H = 16, {e} epochs: ours {mid / e * 1e6:.4g} us an epoch "
                  f"({low / e * 1e6:.4g}-{high / e * 1e6:.4g})")

        se = sizes.sum_epochs

        def ours_b(precision):
            def side():
                if se == 10:     # the preset's budget: the whole run, as a user runs it
                    secs, losses[precision] = run_sum_whole(precision=precision)
                else:
                    secs, losses[precision] = run_sum(se, 64, 32, precision=precision)
                return secs
            return side

        def torch_b():
            assert worker is not None
            secs, losses["torch_b"] = worker.run(task="sum", epochs=se, hidden=64, batch=32)
            return secs

        sides = {"float64": ours_b("float64"), "float32": ours_b("float32")}
        if worker is not None:
            sides["torch"] = torch_b
        t = rounds_of(sides, sizes.rounds)
        what = ("the whole run (TrainingRun of the preset, test MSE every epoch)" if se == 10
                else "the fused kernel alone")
        print(f"  (b) sum of a sequence, H = 64, seq-to-one, batch 32, {se} epochs, Adam 1e-3, "
              f"{what}, rounds of ours float64, ours float32 and torch (float32):")
        if worker is not None:
            out["sum"] = p = Paired(t["float64"], t["torch"])
            out["sum32"] = p32 = Paired(t["float32"], t["torch"])
            print("      float64: " + p.text(1.0, "s", "ours", "torch") + "; target >= 2x")
            print("      float32: " + p32.text(1.0, "s", "ours", "torch") + "; target >= 2x")
        else:
            for name in ("float64", "float32"):
                mid, low, high = Paired._q(t[name])
                print(f"      {name}: ours {mid:.3g} s a run ({low:.3g}-{high:.3g})")
        r32 = Paired(t["float32"], t["float64"]).ratio
        print(f"      float32 against float64: {r32[0]:.2f}x (quartiles {r32[1]:.2f}-{r32[2]:.2f})")
        print(f"      training MSE of the last epoch: ours float64 {losses['float64']:.4f}, "
              f"float32 {losses['float32']:.4f}"
              + (f", torch {losses['torch_b']:.4f}" if worker is not None else ""))
        if worker is not None and sizes.stop_rounds:
            epochs: dict[str, int] = {}

            def ours_d():
                secs, epochs["ours"] = run_tutorial_stop()
                return secs

            def ours_d32():
                secs, epochs["ours32"] = run_tutorial_stop(precision="float32")
                return secs

            def torch_d():
                assert worker is not None
                secs, epochs["torch"] = worker.run(task="tutorial_stop", epochs=10_000)
                return secs

            t = rounds_of({"float64": ours_d, "float32": ours_d32, "torch": torch_d},
                          sizes.stop_rounds)
            out["tutorial_stop"] = p = Paired(t["float64"], t["torch"])
            out["tutorial_stop32"] = p32 = Paired(t["float32"], t["torch"])
            print("  (d) the PyTorch tutorial's experiment from start to the 1e-4 stop (TrainingRun "
                  "of the preset; torch float32 as written):")
            print("      float64: " + p.text(1.0, "s", "ours", "torch") + "; target > 1x")
            print("      float32: " + p32.text(1.0, "s", "ours", "torch"))
            print(f"      epochs to the stop: ours float64 {epochs['ours']}, float32 "
                  f"{epochs['ours32']}, torch {epochs['torch']}")
    finally:
        if worker is not None:
            worker.close()

    k, pe, ph = sizes.pop_k, sizes.pop_epochs, sizes.pop_hidden
    run_population(2, 2, ph, True)      # compiled or loaded before timing
    out["population"] = p = paired(lambda: run_population(k, pe, ph, True),
                                   lambda: run_population(k, pe, ph, False), sizes.rounds)
    print(f"  (c) population K = {k}, the tutorial's task at H = {ph}, {pe} epochs each: per "
          "model-epoch " + p.text(k * pe * 1e-6, "us", "one call", f"{k} calls")
          + " (the population kernel runs its models one after another: no gain expected)")
    return out
