"""Timings of the engine, the IRR solver, Sobol' analysis and batches (see bench/README.md).

Each script is a module, run from the repository root: ``python -m bench.engine``.
"""
