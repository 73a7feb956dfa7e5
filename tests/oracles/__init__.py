"""Test oracles: independent ways to compute what ``simulate`` computes.

- :mod:`.reference_model`: the cash-flow model in plain Python, written from
  ``docs/model.md`` alone, one trial at a time;
- :mod:`.handworked`: small configs with their outputs worked out by hand;
- :mod:`.numpy_model`: the same model vectorised in plain numpy, also the
  baseline ``bench/engine.py`` times the kernel against;
- :mod:`.old_irr`: the IRR solver before it was made fast (commit d7b54de).

Tests import them as ``from oracles import reference_model`` (pytest puts
``tests/`` on ``sys.path``, since it is not a package); the bench scripts,
run as modules from the repository root, as ``tests.oracles``.
"""
