"""`python -m lstm_gui.bench --gui`: the window with every dock open while an H = 16,
2-layer GRU trains (issue 21's targets: 10 ms timer lateness p99 <= 50 ms, the busiest plot
>= 10 redraws a second, >= 75 % of headless speed from paired rounds).  The timing loop is
bench.gui_timing's, shared with bench.main.bench_gui and bench.window."""
from __future__ import annotations

from . import gui_timing as gt


def model_config():
    from ..core.training.run import RunConfig
    from ..core.training.tasks import preset
    return RunConfig(task=preset("sin-cos"), cell="gru", hidden=16, units=2, optimizer="adam",
                     lr=0.01, seed=0, epochs=0)


def every_dock_open(window, skip=()) -> list[str]:
    """Float every view's dock beside the window (tabbed docks are hidden and draw nothing);
    the docks named in `skip` are closed instead."""
    names = []
    for k, (name, dock) in enumerate(window.docks.items()):
        if name in skip:
            dock.close()
            continue
        if name == "controlsDock":
            continue
        dock.setFloating(True)
        dock.show()
        dock.resize(460, 320)
        dock.move(20 + 60 * k, 20 + 30 * k)
        names.append(name)
    return names


def view_costs(frames) -> dict:
    """Per part of the frame scheduler (a view's snapshot, a view's worker result "…:result",
    the status): the median GUI CPU seconds of its update and of the paint it caused, and how
    often it was drawn (every sample the scheduler kept)."""
    import numpy as np
    out = {}
    for key, samples in frames.samples.items():
        a = np.asarray(samples, dtype=float).reshape(-1, 2)
        out[key] = (float(np.median(a[:, 0])) * 1e3, float(np.median(a[:, 1])) * 1e3,
                    frames.draws.get(key, 0))
    return out


def bench_model_window(rounds: int = 6, seconds: float = 2.0, config=None, skip=()) -> dict:
    """Paired rounds of training in the window (every dock open) and headless; prints and
    returns the three targets, and the empty window's lateness as what the machine allows."""
    cfg = config or model_config()
    window = gt.open_window(cfg)

    docks = every_dock_open(window, skip)
    failures: list[str] = []
    window.frames.failed.connect(failures.append)
    load_before = gt.load_average()
    r = gt.paired_rounds(window, cfg, rounds, seconds)
    breakdown = view_costs(window.frames)
    budget = window.frames.budget
    gt.close_window(window)
    empty = gt.empty_window_lateness(cfg, seconds=min(4.0, rounds * seconds / 2))
    p50, p99, worst = r.lateness()
    q1, share, q3 = gt.quartiles(r.ratios)
    f1, frames, f3 = gt.quartiles(r.frames)
    name, (b1, busiest, b3) = r.busiest_view()
    result = {"p50": p50, "p99": p99, "max": worst, "frames": frames, "busiest": busiest,
              "busiest_view": name, "share": share, "share_q": (q1, q3), "docks": len(docks),
              "empty_p99": empty[1], "headless": gt.quartiles(r.alone)[1], "budget": budget}
    closed = "; closed: " + ", ".join(skip) if skip else ""
    print(f"GUI, {cfg.cell} H = {cfg.hidden}, {cfg.units} layers, every dock open ({len(docks)}, "
          f"floating{closed}), {rounds} paired rounds of {seconds:g} s ({load_before}):")
    print(f"  10 ms timer lateness p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms "
          f"(target p99 <= 50 ms); an empty window, the same config training in a thread: "
          f"p50 {empty[0]:.1f} ms, p99 {empty[1]:.1f} ms, max {empty[2]:.1f} ms")
    print(f"  busiest plot ({name}): {busiest:.1f} redraws/s (quartiles {b1:.1f}-{b3:.1f}; "
          f"target >= 10); frames {frames:.1f}/s (quartiles {f1:.1f}-{f3:.1f}); the frames' "
          f"budget adapted to {budget * 1e3:.1f} ms of GUI CPU")
    print(f"  the window keeps {share:.0%} of headless speed (quartiles {q1:.0%}-{q3:.0%}; "
          f"target >= 75 %): {gt.quartiles(r.live)[1]:,.0f} against "
          f"{result['headless']:,.0f} epochs/s; {gt.load_average()}")
    print(f"  CPU while training in the window: GUI thread {gt.quartiles(r.gui_cpu)[1]:.0%} of a "
          f"core, the whole process {gt.quartiles(r.process_cpu)[1]:.0%} (2 cores would allow 200 %)")
    print("  per view: redraws/s (median of the rounds), then the frame scheduler's parts: GUI CPU "
          "of the update / of the paint it caused (medians, ms), drawn n times:")
    rate = {v: gt.quartiles(p)[1] for v, p in r.paints.items()}
    names = sorted(set(rate) | {key.split(":")[0] for key in breakdown}, key=lambda v: -rate.get(v, 0))
    for v in names:
        parts = "; ".join(f"{key.replace(v, '') or 'snapshot'} {u:.1f} / {q:.1f} ms x{n}"
                          for key, (u, q, n) in breakdown.items() if key.split(":")[0] == v)
        shown = f"{rate[v]:5.1f}/s" if v in rate else "  -    "
        print(f"    {v:14s} {shown}   {parts}")
    result["parts"] = breakdown
    failed = sorted({f.split(":")[0] for f in failures})
    if failed:
        print("  could not draw this model: " + ", ".join(failed))
    return result


if __name__ == "__main__":
    import sys
    bench_model_window(skip=tuple(sys.argv[1:]))   # dock names to leave closed
