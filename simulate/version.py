"""The package version, stamped on every summary.json and chart footer."""

__version__ = "0.1.0"
