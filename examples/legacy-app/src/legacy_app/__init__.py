"""Legacy App: paper trading, market data checks and uptime reports."""

__version__ = "0.4.2"
