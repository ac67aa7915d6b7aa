"""The hidden size's range says the parameter limit that really bounds it (tester's finding
10: "1 to 1024" while 200 000 parameters refuse a 1-layer LSTM above H = 222)."""
from lstm_gui.core import limits
from lstm_gui.core.models import Model


def _largest(**model) -> int:
    return max(h for h in range(1, 1025) if Model(hidden=h, readout=True, **model).size
               <= limits.MAX_PARAMETERS)


def test_the_largest_hidden_size_quoted_is_the_1_layer_lstms_real_one():
    assert limits.HIDDEN_LSTM_MAX == _largest() == 222
    assert f"H <= {limits.HIDDEN_LSTM_MAX} for a 1-layer LSTM" in limits.HIDDEN_RANGE
    assert f"{limits.MAX_PARAMETERS:,} parameters" in limits.HIDDEN_RANGE


def test_max_hidden_finds_the_real_maximum_of_any_model():
    for model in ({}, {"cell": "gru"}, {"layers": 3}, {"bidirectional": True, "layers": 2},
                  {"cell": "peephole", "inputs": 4}):
        assert limits.max_hidden(lambda h: Model(hidden=h, readout=True, **model).size) == _largest(**model)
    assert limits.max_hidden(lambda h: 10 * h) == limits.MAX_HIDDEN
    assert limits.max_hidden(lambda h: limits.MAX_PARAMETERS + h) == 0


def test_a_refused_hidden_size_names_the_parameter_limit():
    message = str(_refusal(lambda: limits.check_setting("hidden", 2000)))
    assert "1 to 1024" in message and "H <= 222 for a 1-layer LSTM" in message
    too_many = _refusal(lambda: limits.check_model_size(300, 1, 1, 10, 1, 1, 1, 361_201))
    assert isinstance(too_many, limits.TooManyParameters) and too_many.size == 361_201
    assert "the limit is 200,000" in str(too_many)


def _refusal(call) -> ValueError:
    try:
        call()
    except ValueError as exc:
        return exc
    raise AssertionError("not refused")
