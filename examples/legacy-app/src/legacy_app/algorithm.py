"""A minimal trading algorithm whose entry signal is a user-supplied expression."""

import math


class TradingAlgorithm(object):
    def __init__(self, signal, quantity=1, init_code=None):
        self.signal = signal
        self.quantity = quantity
        self.namespace = {"math": math}
        if init_code:
            exec(init_code, self.namespace)

    def should_buy(self, bar):
        scope = dict(self.namespace)
        scope.update(bar)
        return bool(eval(self.signal, {"__builtins__": {}}, scope))
