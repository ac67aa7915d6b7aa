"""The views' background worker: latest job only, a bounded share of the time."""
import time

from lstm_gui.app.views.background import LatestJobWorker


def test_only_the_latest_waiting_job_runs_and_rests_keep_the_duty_cycle(qtbot):
    worker = LatestJobWorker(duty=0.2)
    results = []
    worker.done.connect(results.append)

    def job(k, seconds=0.03):
        def run():
            time.sleep(seconds)
            return (k, time.perf_counter())
        return run

    worker.submit(job(0), urgent=True)
    qtbot.waitUntil(lambda: len(results) == 1, timeout=5000)
    for k in (1, 2, 3):                # while it rests, newer jobs replace older ones
        worker.submit(job(k))
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    qtbot.wait(200)
    assert [k for k, _ in results] == [0, 3]
    # Rest after a job of 30 ms at duty 0.2: 120 ms before the next one starts.
    assert results[1][1] - results[0][1] >= 0.03 + 0.12 - 0.005
    worker.submit(job(4), urgent=True)   # paused: at once
    t0 = time.perf_counter()
    qtbot.waitUntil(lambda: len(results) == 3, timeout=5000)
    assert time.perf_counter() - t0 < 0.1
    worker.stop()
    assert not worker.isRunning()


def test_a_failing_job_is_reported_and_the_worker_goes_on(qtbot):
    worker = LatestJobWorker()
    errors, results = [], []
    worker.failed.connect(errors.append)
    worker.done.connect(results.append)
    worker.submit(lambda: 1 / 0, urgent=True)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert "division" in errors[0]
    worker.submit(lambda: 7, urgent=True)
    qtbot.waitUntil(lambda: results == [7], timeout=5000)
    worker.stop()
