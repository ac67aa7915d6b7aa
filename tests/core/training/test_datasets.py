"""The tutorials' datasets equal their formulas; batches are shuffled permutations."""
import numpy as np
import pytest

from lstm_gui.core.training.datasets import SET_PRESETS, Dataset, epoch_batches, sum_of_sequence, torch_sin_cos


def test_torch_sin_cos_is_the_tutorials_data_reshaped_as_pytorch_does():
    d = torch_sin_cos()
    t = np.linspace(0, 12 * np.pi, 200)
    assert d.x_train.shape == (5, 20, 1) and d.y_train.shape == (5, 20)
    assert d.x_test.shape == (5, 20, 1) and not d.seq_to_one
    # PyTorch's (seq, batch, feature) = reshape(-1, 5, 1): element [s, b] is point 5 s + b.
    torch_layout = np.sin(t[:100]).reshape(-1, 5, 1)
    for b in range(5):
        np.testing.assert_array_equal(d.x_train[b, :, 0], torch_layout[:, b, 0])
        np.testing.assert_array_equal(d.x_train[b, :, 0], np.sin(t[b:100:5]))
        np.testing.assert_array_equal(d.y_train[b], np.cos(t[b:100:5]))
        np.testing.assert_array_equal(d.x_test[b, :, 0], np.sin(t[100 + b::5]))
        np.testing.assert_array_equal(d.y_test[b], np.cos(t[100 + b::5]))
    # The split: every training point lies before every test point.
    assert d.x_train.size + d.x_test.size == 200
    # Joined back, each part is its half of the tutorial's signal in time order.
    assert d.interleaved
    np.testing.assert_array_equal(d.joined(d.x_train[..., 0]), np.sin(t[:100]))
    np.testing.assert_array_equal(d.joined(d.y_test), np.cos(t[100:]))
    held_out = Dataset(d.x_train[:3], d.y_train[:3], d.x_test[:2], d.y_test[:2])
    np.testing.assert_array_equal(held_out.joined(held_out.y_test), d.y_test[:2].reshape(-1))


def test_sum_of_sequence_is_seq_to_one_sums_from_the_seed():
    d = sum_of_sequence(3)
    assert d.seq_to_one and d.x_train.shape == (1000, 10, 1) and d.x_test.shape == (200, 10, 1)
    np.testing.assert_array_equal(d.y_train, d.x_train[:, :, 0].sum(axis=1))
    np.testing.assert_array_equal(d.y_test, d.x_test[:, :, 0].sum(axis=1))
    x = np.random.default_rng(np.random.SeedSequence(3)).standard_normal((1200, 10))
    np.testing.assert_array_equal(d.x_train[:, :, 0], x[:1000])
    np.testing.assert_array_equal(d.x_test[:, :, 0], x[1000:])
    assert np.array_equal(sum_of_sequence(3).x_train, d.x_train)
    assert not np.array_equal(sum_of_sequence(4).x_train, d.x_train)
    # N(0, 1) over 10 steps: the targets' variance is about 10.
    assert 9 < d.y_train.var() < 11.5


def test_presets_state_the_tutorials_defaults():
    p = SET_PRESETS["torch-sin-cos"]
    assert (p.hidden, p.lr, p.batch, p.epochs, p.target_mse) == (16, 1e-2, 5, 10_000, 1e-4)
    p = SET_PRESETS["sum-of-sequence"]
    assert (p.hidden, p.lr, p.batch, p.epochs) == (64, 1e-3, 32, 10)


def test_batches_are_a_permutation_each_epoch_and_reproducible():
    rng = np.random.default_rng(7)
    epochs = [epoch_batches(rng, 1000, 32) for _ in range(3)]
    for batches in epochs:
        assert [len(b) for b in batches] == [32] * 31 + [8]
        assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    assert not np.array_equal(np.concatenate(epochs[0]), np.concatenate(epochs[1]))
    again = np.random.default_rng(7)
    for batches in epochs:
        for a, b in zip(batches, epoch_batches(again, 1000, 32)):
            np.testing.assert_array_equal(a, b)


def test_a_dataset_refuses_what_it_cannot_hold():
    x = np.zeros((2, 3, 1))
    with pytest.raises(ValueError, match="targets"):
        Dataset(x, np.zeros((2, 4)), x[:0], np.zeros((0, 3)))
    with pytest.raises(ValueError, match="finite"):
        Dataset(x, np.full((2, 3), np.nan), x[:0], np.zeros((0, 3)))
    with pytest.raises(ValueError, match="batch"):
        epoch_batches(np.random.default_rng(0), 5, 0)
