"""Signals, init code and strategy files."""

import pytest

from legacy_app.algorithm import TradingAlgorithm
from legacy_app.utils.preprocess import make_validator
from legacy_app.utils.run_algo import load_strategy


def test_signal_is_evaluated_against_the_bar(bars):
    algo = TradingAlgorithm("close > 256")
    assert [algo.should_buy(bar) for bar in bars] == [False, True, True]


def test_init_code_defines_names_for_the_signal(bars):
    algo = TradingAlgorithm("close > floor", init_code="floor = math.sqrt(260_000)")
    assert algo.should_buy(bars[2]) is True
    assert algo.should_buy(bars[0]) is False


def test_signal_has_no_builtins(bars):
    with pytest.raises(NameError):
        TradingAlgorithm("open('x')").should_buy(bars[0])


def test_load_strategy(strategy_file):
    namespace = load_strategy(strategy_file)
    assert namespace["SIGNAL"] == "close > 500"
    assert namespace["QUANTITY"] == 2


def test_strategy_without_signal(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("QUANTITY = 1\n")
    with pytest.raises(ValueError, match="must define SIGNAL"):
        load_strategy(path)


def test_make_validator():
    positive = make_validator("positive", "value > 0")
    assert positive.__name__ == "positive"
    assert positive(3) is True
    assert positive(-1) is False
