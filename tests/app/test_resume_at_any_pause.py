"""Resume wherever a pause can land is bit-identical (issue 22), driven hard through the real
trainer thread.

A pause, a Step and a save all take the run's lock, and the training thread holds that lock
for a whole chunk of whole epochs (trainer.py): a pause can only land between two epochs,
never between two mini-batches of one.  So "mid-epoch-sequence" is any epoch boundary, at any
moment: here a batched H = 3 model (3 mini-batches an epoch, shuffled from the seed, Adam) is
paused at many random moments while it trains, saved to a file each time, the file reopened
and swapped in, and training resumed.  The end must equal one uninterrupted run bit for bit:
parameters, optimizer moments, the shuffle generator, the MSE history.
"""
from dataclasses import replace

import numpy as np

from lstm_gui.app.trainer import Trainer
from lstm_gui.core.files import modelfile
from lstm_gui.core.training.datasets import epoch_batches
from lstm_gui.core.training.run import RunConfig, TrainingRun, _rngs, for_set_preset

EPOCHS = 120
PAUSES = 400     # at most: the loop ends when the run has trained EPOCHS


def config() -> RunConfig:
    # torch-sin-cos's 5 training sequences in batches of 2: every epoch is 3 updates
    # (2, 2, 1) in an order drawn afresh from the run's shuffle generator.
    return replace(for_set_preset(RunConfig(seed=7), "torch-sin-cos"), hidden=3, batch=2,
                   epochs=EPOCHS, target_mse=0.0)


def shuffle_state_after(epochs: int) -> dict:
    """The shuffle generator of a fresh run with config()'s seed after `epochs` epochs (each
    epoch draws one permutation): where the batch order stands at an epoch boundary."""
    rng = _rngs(config().seed, 4)[2]
    for _ in range(epochs):
        epoch_batches(rng, 5, 2)
    return rng.bit_generator.state


def test_pauses_at_random_moments_saved_and_reopened_continue_bit_identically(qtbot, tmp_path):
    straight = TrainingRun(config())
    straight.train(EPOCHS)
    assert straight.epoch == EPOCHS

    rng = np.random.default_rng(2022)
    trainer = Trainer(TrainingRun(config()))
    # Paced, as the window trains by default (250 epochs/s): chunks of 5 epochs and a wait
    # between them, so a pause may land after any chunk or inside a wait.  (At full speed the
    # thread's first chunk alone is 100 epochs.)
    trainer.max_rate = 150
    stopped = []
    trainer.stopped.connect(stopped.append)
    seen_epochs: list[int] = []
    try:
        trainer.train()
        for k in range(PAUSES):
            qtbot.wait(int(rng.integers(0, 4)))     # a random moment: 0-3 ms of training
            trainer.pause()
            path = tmp_path / f"pause{k % 2}.lstm.json"
            trainer.read(lambda run, path=path: modelfile.save(run, path))
            reopened = modelfile.load(path)
            epoch = reopened.epoch
            seen_epochs.append(epoch)
            # The saved batch position is an epoch boundary: the generator the file holds has
            # drawn exactly one order per epoch trained (no epoch was cut between batches).
            assert reopened.trainer.shuffle_rng.bit_generator.state == shuffle_state_after(epoch)
            trainer.replace_run(reopened)
            if epoch >= EPOCHS:
                break
            trainer.train()
        qtbot.waitUntil(lambda: trainer.read(lambda run: run.epoch) >= EPOCHS, timeout=20_000)
        qtbot.waitUntil(lambda: bool(stopped), timeout=5_000)
        trainer.pause()
        # Pauses really landed at many different moments, mid-run.
        inside = [e for e in seen_epochs if 0 < e < EPOCHS]
        assert len(set(inside)) >= 10, seen_epochs
        resumed = trainer.read(lambda run: run)
        assert resumed.epoch == EPOCHS
        np.testing.assert_array_equal(resumed.params, straight.params)
        for name in ("m", "v"):
            np.testing.assert_array_equal(getattr(resumed.optimizer, name),
                                          getattr(straight.optimizer, name))
        assert resumed.optimizer.state_dict() == straight.optimizer.state_dict()
        assert (resumed.trainer.shuffle_rng.bit_generator.state
                == straight.trainer.shuffle_rng.bit_generator.state == shuffle_state_after(EPOCHS))
        ep_a, mse_a, _ = resumed.history.arrays()
        ep_b, mse_b, _ = straight.history.arrays()
        np.testing.assert_array_equal(ep_a, ep_b)
        np.testing.assert_array_equal(mse_a, mse_b)
        assert resumed.test_mse() == straight.test_mse()
    finally:
        trainer.shutdown()
