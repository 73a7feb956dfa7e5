"""Draws: the matrix of input values of any run of consecutive trials (docs/model.md section 2).

Layout: ``inputs[j, t]`` is input ``j`` (``model.inputs[j]``) in trial ``t``;
each input's draws are contiguous.

Replicate batches. A run's trials fall into batches of about
:data:`DEFAULT_BATCH` (8,192) trials (:func:`batch_bounds`): each batch is
drawn on its own, from streams no other batch uses, so the batches are
independent replicates of the same design. That is what lets
``simulate.precision`` measure the error of ``lhs`` and ``sobol`` runs (and
of correlated inputs) from the spread between batches, and it makes every
run a prefix of a longer one: a run of ``k * 8192`` trials draws exactly the
first ``k`` batches of any longer run with the same seed, which is what
``--precision`` stops on.

Random streams. A run's seed is the root of a ``SeedSequence``; every stream
is a child of it by a fixed spawn key (``seeds.child``):

- ``random``: trials are cut into chunks of 2^18 (``chunk_size``), as they
  always were; input ``j`` draws the uniforms of chunk ``c`` from the stream
  ``(c, key of its name)``, continuing across the batches of the chunk, so a
  run's uniforms do not depend on its batches (nor on its length: the first
  trials of a longer run are the same).
- ``lhs``: batch ``b`` of input ``j`` is a one-dimensional Latin hypercube
  drawn from the stream ``(b, key of its name, 0)`` (the draws of
  ``scipy.stats.qmc.LatinHypercube(d=1)`` seeded with ``(b, key)``).
- ``sobol``: batch ``b`` is its own scrambled Sobol' sequence over all
  inputs (``scipy.stats.qmc.Sobol``, 30 binary digits), scrambled by the
  stream ``(2^62, b)``, whose next uniforms fill in the digits below
  ``2^-30`` (so every point is uniform on [0, 1)).
- correlations: batch ``b`` is rearranged (Iman-Conover) with the
  permutations of the stream ``(b, 0)``.

A ``random`` run draws what it drew before batches existed (but for the
correlations of a run of two batches or more), and so does an ``lhs`` run
of fewer than two batches (under 16,384 trials). Because an input's stream depends only on the seed,
the chunk or batch and its name, adding, removing or reordering other
inputs (a scenario, an overlay) leaves an input's draws unchanged:
scenarios of one config are compared on common random numbers. Every input
is drawn by the inverse of its CDF from its stream's uniforms, so a changed
prior maps the same uniforms monotonically (the strongest pairing): a
scenario that raises a prior raises it in every trial. Beta and PERT draws
come from a table of the quantile function built once per pair of
shapes (``config.priors.betainv``; ``Prior.draw``); :class:`Draws` draws
every input once on the calling thread first, so any such setup happens
there and not in the pool.

Correlations use Iman-Conover on van der Waerden scores with target Pearson
correlation ``2 sin(pi rho / 6)``: each marginal is only rearranged, so it is
preserved exactly.

Threads. The inputs' streams are independent and each input writes its own
row, so the inputs are drawn in the thread pool of ``_pool`` (numpy's
generators and ufuncs release the GIL); each batch's Iman-Conover
permutations come from its own stream and the batch writes its own columns.
Which thread does what changes the timing only: the draws are bitwise the
same with any number of threads (``tests/test_sampling.py`` checks this).
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from collections.abc import Iterator, Sequence

import numpy as np

from . import _pool, _scipy
from .config import Model
from .config.correlation import correlation_matrices
from .config.priors import U_EPS

special = _scipy.load("scipy.special")

__all__ = [
    "DEFAULT_BATCH",
    "DEFAULT_CHUNK",
    "Draws",
    "batch_bounds",
    "batch_size_for",
    "iman_conover",
    "iter_chunks",
    "pieces",
    "ppf_matrix",
    "prepare",
]

# Trials per chunk: the unit of `random` sampling's streams, and about how many
# trials are drawn and evaluated at a time (it bounds memory). Results of
# `random` runs depend on it, never on the machine or the thread count.
DEFAULT_CHUNK = 1 << 18
# Trials per replicate batch (batch_bounds): the unit of `lhs` and `sobol`
# designs and of the Iman-Conover rearrangement. A chunk holds 32 batches.
# Runs of fewer than MIN_BATCHES of them get smaller batches (batch_size_for).
DEFAULT_BATCH = 1 << 13
# The error of a design drawn batch by batch is measured from the spread of
# its batches, which needs this many (docs/model.md section 7) ...
MIN_BATCHES = 10
# ... and a batch of fewer trials than this stratifies too little to be worth it.
MIN_BATCH = 1 << 6
# Uniforms are kept this far from 0 and 1 so unbounded quantiles stay finite.
_U_EPS = U_EPS
# Spawn keys of the streams that are not an input's: the Iman-Conover
# permutations (a child of the batch, where the inputs' keys are odd) and the
# Sobol' scrambles (children of the run's root, far past any batch's index).
_CORRELATION_KEY = 0
_SOBOL_KEY = 1 << 62
# The width of the cells of scipy's scrambled Sobol' points (30 binary digits).
_SOBOL_CELL = 2.0**-30


# -- correlations ------------------------------------------------------------------------


def iman_conover(x: np.ndarray, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rearrange the rows of ``x`` (one variable per row) toward rank correlation.

    Parameters
    ----------
    x
        ``(k, n)`` samples; each row is only permuted, so marginals are exact.
    target
        ``(k, k)`` positive-definite Pearson target for the normal scores.
    rng
        Source of the score permutations.
    """
    k, n = x.shape
    pool = _pool.executor(n, k)
    # One stream, so one task; the sorts need no random numbers and run beside it.
    scores = pool.submit(_target_scores, k, n, target, rng)
    ordered = _pool.results([pool.submit(np.sort, x[j]) for j in range(k)])
    out = np.empty_like(x)
    _place(out, range(k), ordered, scores.result(), pool)
    return out


@functools.lru_cache(maxsize=4)
def _van_der_waerden(n: int) -> np.ndarray:
    """The normal scores of ranks 1..n (read-only; chunks mostly share one n)."""
    scores = special.ndtri(np.arange(1, n + 1) / (n + 1.0))
    scores.flags.writeable = False
    return scores


def _target_scores(k: int, n: int, target: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``k`` rows of permuted scores with exactly the ``target`` Pearson correlation."""
    scores = _van_der_waerden(n)
    m = np.empty((k, n))
    for j in range(k):
        # Shuffling a copy in place is what rng.permutation(scores) does.
        m[j] = scores
        rng.shuffle(m[j])
    # Correct for the sample correlation of the permuted scores, so the
    # rearranged scores have exactly the target Pearson correlation.
    c = np.linalg.cholesky(target)
    # With n <= k trials (the tail chunk of a run, say) the permuted scores'
    # correlation matrix is singular, and whether Cholesky notices depends on
    # LAPACK's rounding: no correction there, decided by the count alone.
    a = c
    if n > k:
        try:
            a = c @ np.linalg.inv(np.linalg.cholesky(np.corrcoef(m)))  # lower triangular
        except np.linalg.LinAlgError:  # nearly singular: a handful of trials
            a = c
    # t = a @ m, one row at a time in a fixed order: no BLAS call, whose
    # threads would busy-wait beside the pool's for about 0.1 s a chunk.
    t = np.empty_like(m)
    term = np.empty(n)
    for i in range(k):
        np.multiply(m[0], a[i, 0], out=t[i])
        for j in range(1, i + 1):
            t[i] += np.multiply(m[j], a[i, j], out=term)
    return t


def _place(
    out: np.ndarray,
    rows: Sequence[int],
    ordered: Sequence[np.ndarray],
    t: np.ndarray,
    pool: _pool.Executor,
) -> None:
    """Write the sorted values ``ordered[i]`` into ``out[rows[i]]`` in the rank order of ``t[i]``."""

    def place(i: int) -> None:
        # The trial with the r-th smallest score gets the r-th smallest value.
        # Equal values are interchangeable, so how they were sorted does not matter.
        row = out[rows[i]]
        row[np.argsort(t[i])] = ordered[i]

    _pool.results([pool.submit(place, i) for i in range(len(rows))])


def prepare(model: Model) -> None:
    """Draw each input once, on this thread.

    A prior's draws may build something on first use (the quantile table of
    a beta or PERT, 1-5 ms): doing it here keeps that work out of the pool's
    threads.
    """
    for inp in model.inputs:
        inp.prior.draw(np.array([0.5]))


def ppf_matrix(model: Model, u: np.ndarray) -> np.ndarray:
    """Map ``(k, n)`` uniforms through each input's quantile function, as drawn (``draw``)."""
    u = np.clip(u, _U_EPS, 1.0 - _U_EPS)
    if not model.inputs:
        return np.empty((0, u.shape[1]))
    prepare(model)
    pool = _pool.executor(u.shape[1], len(model.inputs))
    return np.stack(
        _pool.results([pool.submit(inp.prior.draw, u[j]) for j, inp in enumerate(model.inputs)])
    )


def _name_key(name: str) -> int:
    # A stable 63-bit key per input name (Python's hash() is salted per process).
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little") >> 1 | 1


def _qmc():
    from scipy.stats import qmc  # scipy.stats costs 0.3 s to import: only when used

    return qmc


def batch_size_for(trials: int) -> int:
    """The replicate batch size of a run of ``trials`` trials (``max_trials`` with precision).

    :data:`DEFAULT_BATCH` from ``MIN_BATCHES * DEFAULT_BATCH`` (81,920)
    trials on; below, the largest power of two that still cuts the run into
    :data:`MIN_BATCHES` batches, so that the error of a Latin hypercube,
    Sobol' or correlated run is measured from their spread, not assumed
    (``b`` for ``10 b <= trials < 20 b``); :data:`DEFAULT_BATCH` again (one
    batch) for runs too short for ten batches of :data:`MIN_BATCH`.

    A precision run with ``max_trials`` in a band ``[10 b, 20 b)`` checks
    its targets at batch boundaries of ``b`` and counts a check point as met
    only from ten batches on: every run it can stop at has the same ``b``.
    """
    if trials >= MIN_BATCHES * DEFAULT_BATCH or trials < MIN_BATCHES * MIN_BATCH:
        return DEFAULT_BATCH
    return 1 << ((trials // MIN_BATCHES).bit_length() - 1)


def batch_bounds(trials: int, batch_size: int = DEFAULT_BATCH) -> np.ndarray:
    """Where the replicate batches of a run of ``trials`` trials begin and end.

    ``R = max(1, trials // batch_size)`` batches as equal as can be (sizes
    differ by at most one, the larger first), so a multiple of
    ``batch_size`` gives batches of exactly ``batch_size``, and a run of
    fewer than ``2 * batch_size`` trials is one batch. Returns ``R + 1``
    trial indices from 0 to ``trials``.
    """
    if trials < 1 or batch_size < 1:
        raise ValueError(f"trials and batch_size must be at least 1, not {trials}, {batch_size}")
    r = max(1, trials // batch_size)
    base, extra = divmod(trials, r)
    sizes = np.full(r, base, dtype=np.int64)
    sizes[:extra] += 1
    return np.concatenate([[0], np.cumsum(sizes)])


def pieces(bounds: np.ndarray, first: int, last: int, chunk_size: int) -> list[tuple[int, int]]:
    """Batches ``first..last - 1`` grouped into runs of about ``chunk_size`` trials, at least one batch each."""
    out = []
    b = first
    while b < last:
        e = b + 1
        while e < last and bounds[e + 1] - bounds[b] <= chunk_size:
            e += 1
        out.append((b, e))
        b = e
    return out


def _stream(root: np.random.SeedSequence, *keys: int) -> np.random.SeedSequence:
    """``seeds.child(seeds.child(root, k1), k2)...`` made at once (a SeedSequence costs ~50 us)."""
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, *keys))


def _latin_hypercube(seq: np.random.SeedSequence, n: int) -> np.ndarray:
    """``n`` points of a one-dimensional Latin hypercube: one uniform in each of n equal strata.

    Bit for bit what ``scipy.stats.qmc.LatinHypercube(d=1, rng=default_rng(s)).random(n)``
    draws when ``seq`` is the first child of ``s`` (scipy draws from that
    child), without its setup per call.
    """
    rng = np.random.default_rng(seq)
    u = rng.random(n)
    strata = np.arange(1, n + 1)
    rng.shuffle(strata)
    return (strata - u) / n


class Draws:
    """The draws of one run (seed, sampling, batches), any run of consecutive batches at a time.

    ``draw(first, last)`` returns the ``(k, n)`` inputs of batches
    ``first..last - 1``; calls must follow each other (``first`` is the
    batch after the last one drawn), as ``random`` sampling's streams run on.
    The draws depend on the seed, the sampling, ``bounds`` (the batches) and,
    for ``random``, ``chunk_size``: never on how the batches are grouped
    into calls.
    """

    def __init__(
        self,
        model: Model,
        seed: int,
        sampling: str,
        bounds: np.ndarray,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> None:
        if sampling not in ("random", "lhs", "sobol"):
            raise ValueError(f"{sampling!r} is not a sampling method; use random, lhs or sobol")
        prepare(model)
        if sampling == "sobol":
            _qmc()  # the first import happens here, not in the pool's threads
        self.model, self.sampling, self.bounds = model, sampling, np.asarray(bounds)
        self.chunk_size = int(chunk_size)
        self.root = np.random.SeedSequence(seed)
        self.next = 0
        self._keys = [_name_key(inp.name) for inp in model.inputs]
        self._streams: dict[int, list[np.random.Generator]] = {}  # random: per chunk, per input
        corr = sorted({i for r in model.correlations for i in r[:2]})
        self._correlated = corr
        self._target = correlation_matrices(model.correlations)[1] if corr else None

    def draw(self, first: int, last: int) -> np.ndarray:
        if first != self.next or not first < last < len(self.bounds):
            raise ValueError(f"batches {first}..{last} do not follow batch {self.next}")
        a, b = int(self.bounds[first]), int(self.bounds[last])
        k = len(self.model.inputs)
        out = np.empty((k, b - a))
        pool = _pool.executor(b - a, k)
        if self.sampling == "random":
            self._open_chunks(a, b)
        if self.sampling == "sobol" and k:
            u = np.concatenate(_pool.results([pool.submit(self._sobol, i)
                                              for i in range(first, last)]), axis=1)  # fmt: skip
            out[:] = ppf_matrix(self.model, u)
        else:
            jobs = [pool.submit(self._draw_input, out[j], j, first, last) for j in range(k)]
            _pool.results(jobs)
        if self._correlated:
            jobs = [pool.submit(self._correlate, out, i, a) for i in range(first, last)]
            _pool.results(jobs)
        self.next = last
        return out

    def _open_chunks(self, a: int, b: int) -> None:
        """Make the streams of the chunks that trials ``a..b - 1`` fall in (on this thread)."""
        size = self.chunk_size
        for c in list(self._streams):
            if c < a // size:
                del self._streams[c]
        for c in range(a // size, (b - 1) // size + 1):
            if c not in self._streams:
                self._streams[c] = [
                    np.random.default_rng(_stream(self.root, c, key)) for key in self._keys
                ]

    def _uniforms(self, j: int, first: int, last: int) -> np.ndarray:
        """Input ``j``'s uniforms for batches ``first..last - 1`` (random or lhs)."""
        bounds = self.bounds
        if self.sampling == "lhs":
            key = self._keys[j]
            parts = [
                _latin_hypercube(_stream(self.root, i, key, 0), int(bounds[i + 1] - bounds[i]))
                for i in range(first, last)
            ]
        else:
            a, b, size = int(bounds[first]), int(bounds[last]), self.chunk_size
            parts = []
            while a < b:
                end = min(b, (a // size + 1) * size)
                parts.append(self._streams[a // size][j].random(end - a))
                a = end
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _draw_input(self, out: np.ndarray, j: int, first: int, last: int) -> None:
        u = self._uniforms(j, first, last)
        out[:] = self.model.inputs[j].prior.draw(np.clip(u, _U_EPS, 1.0 - _U_EPS, out=u))

    def _sobol(self, i: int) -> np.ndarray:
        """Batch ``i``'s ``(k, n)`` uniforms: its own scrambled Sobol' sequence.

        scipy's scrambled points have 30 random binary digits; the digits
        below ``2^-30`` are drawn uniformly too, so each point is uniform on
        [0, 1) and a batch's mean is unbiased (with 30 digits alone every
        point sits at the bottom of its cell, a bias of ``2^-31``).
        """
        rng = np.random.default_rng(_stream(self.root, _SOBOL_KEY, i))
        n, k = int(self.bounds[i + 1] - self.bounds[i]), len(self.model.inputs)
        engine = _qmc().Sobol(d=k, scramble=True, rng=rng)
        with warnings.catch_warnings():
            # Balance needs n a power of two; the CLI warns about that once.
            warnings.simplefilter("ignore", UserWarning)
            u = engine.random(n)
        u += rng.random((n, k)) * _SOBOL_CELL
        return u.T

    def _correlate(self, out: np.ndarray, i: int, offset: int) -> None:
        """Rearrange batch ``i``'s correlated inputs (columns from ``offset``) toward their target."""
        a, b = int(self.bounds[i]) - offset, int(self.bounds[i + 1]) - offset
        n = b - a
        if n < 2:
            return
        rng = np.random.default_rng(_stream(self.root, i, _CORRELATION_KEY))
        scores = _target_scores(len(self._correlated), n, self._target, rng)
        for row, t in zip(self._correlated, scores, strict=True):
            values = out[row, a:b]
            values[np.argsort(t)] = np.sort(values)


def iter_chunks(
    model: Model,
    trials: int,
    seed: int,
    sampling: str = "random",
    chunk_size: int = DEFAULT_CHUNK,
    batch_size: int = DEFAULT_BATCH,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_trial, inputs)`` for consecutive pieces of a run of ``trials`` trials.

    Each piece is whole batches (:func:`batch_bounds`) of about ``chunk_size``
    trials in all. The draws depend on ``seed``, ``sampling``, ``batch_size``
    and (for ``random``) ``chunk_size`` only.
    """
    bounds = batch_bounds(trials, batch_size)
    draws = Draws(model, seed, sampling, bounds, chunk_size)
    for first, last in pieces(bounds, 0, len(bounds) - 1, chunk_size):
        yield int(bounds[first]), draws.draw(first, last)
