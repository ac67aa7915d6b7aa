import numpy as np
import pytest

from lstm_gui.core.training.optim import (
    SGD,
    Adam,
    Momentum,
    NonFiniteStep,
    init_params,
    make_optimizer,
    optimizer_from_state,
)


def test_sgd_is_the_c_library_update():
    p, g = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    np.testing.assert_array_equal(SGD(lr=0.01).step(p, g), p - 0.01 * g)


@pytest.mark.parametrize("lr", [0, 1, -0.1, 5, float("nan")])
def test_sgd_rejects_a_learning_rate_outside_zero_one(lr):
    with pytest.raises(ValueError, match="learning rate"):
        SGD(lr=lr)


def test_adam_first_step_moves_each_parameter_by_lr():
    # With bias correction the first Adam step is lr * sign(grad).
    p = np.zeros(3)
    out = Adam(lr=0.05).step(p, np.array([2.0, -0.001, 30.0]))
    np.testing.assert_allclose(out, [-0.05, 0.05, -0.05], rtol=1e-4)


def test_momentum_accumulates():
    opt = Momentum(lr=0.1, clip=None)
    p = opt.step(np.zeros(1), np.ones(1))
    p = opt.step(p, np.ones(1))
    np.testing.assert_allclose(p, [-0.1 - 0.1 * 1.9])


def test_clipping_bounds_the_gradient_norm_per_model():
    opt = SGD(lr=0.5, clip=1.0)
    g = np.array([[[3.0, 4.0] + [0.0] * 10], [[0.3, 0.4] + [0.0] * 10]])
    step = -opt.step(np.zeros_like(g), g) / 0.5
    assert abs(np.linalg.norm(step[0]) - 1.0) < 1e-12
    np.testing.assert_allclose(step[1], g[1])


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_a_non_finite_step_changes_nothing(name):
    opt = make_optimizer(name, lr=0.01)
    p = opt.step(np.ones(4), np.full(4, 0.5))
    before = opt.state_dict()
    with pytest.raises(NonFiniteStep):
        opt.step(p, np.array([0.1, np.nan, 0.1, 0.1]))
    with pytest.raises(NonFiniteStep):
        opt.step(p, np.array([0.1, np.inf, 0.1, 0.1]))
    assert opt.state_dict() == before
    assert np.all(np.isfinite(p))


def test_optimizer_state_round_trips_bit_for_bit():
    rng = np.random.default_rng(0)
    a = Adam(lr=0.03)
    p = np.zeros(12)
    for _ in range(5):
        p = a.step(p, rng.normal(size=12))
    b = optimizer_from_state(a.state_dict())
    g = rng.normal(size=12)
    np.testing.assert_array_equal(a.step(p, g), b.step(p, g))


def test_init_params_are_uniform_in_range_and_seeded():
    a = init_params(np.random.default_rng(1), units=2, low=-0.5, high=0.25)
    b = init_params(np.random.default_rng(1), units=2, low=-0.5, high=0.25)
    assert a.shape == (2, 12)
    np.testing.assert_array_equal(a, b)
    assert a.min() >= -0.5 and a.max() < 0.25
    assert init_params(np.random.default_rng(1), population=4).shape == (4, 1, 12)


def test_unknown_optimizer_is_named_in_the_error():
    with pytest.raises(ValueError, match="rmsprop"):
        make_optimizer("rmsprop")


def test_a_broken_hyper_parameter_is_a_non_finite_step_not_a_crash():
    opt = optimizer_from_state({"name": "adam", "lr": 0.01, "clip": None, "beta1": 1.0})
    with pytest.raises(NonFiniteStep):
        opt.step(np.ones(12), np.ones(12))
