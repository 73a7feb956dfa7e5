"""Seeds and child streams: ``simulate.seeds``."""

from __future__ import annotations

import numpy as np
import pytest

from simulate import seeds


def _state(sequence: np.random.SeedSequence) -> list[int]:
    return sequence.generate_state(8).tolist()


# -- resolve_seed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choices", "seed"),
    [
        ((5, 7), 5),  # the command line beats the config
        ((None, 7), 7),  # the config when the command line says nothing
        ((0, 7), 0),  # 0 is a seed, not "no seed"
        ((None, 0), 0),
        ((None, None, 3), 3),
        ((np.int64(9), None), 9),
    ],
)
def test_resolve_seed_takes_the_first_that_is_set(choices, seed):
    got = seeds.resolve_seed(*choices)
    assert got == seed and type(got) is int


def test_resolve_seed_without_a_choice_draws_a_fresh_63_bit_seed():
    drawn = {seeds.resolve_seed(None, None) for _ in range(64)}
    assert len(drawn) == 64  # fresh entropy each time
    assert all(type(s) is int and 0 <= s < 2**63 for s in drawn)
    assert max(drawn) >= 2**60  # the high bits are used
    assert seeds.resolve_seed() < 2**63


# -- streams --------------------------------------------------------------------------------


def test_as_seed_sequence_keeps_a_sequence_and_wraps_a_seed():
    root = np.random.SeedSequence(11)
    assert seeds.as_seed_sequence(root) is root
    assert _state(seeds.as_seed_sequence(11)) == _state(root)
    assert seeds.as_seed_sequence(None).entropy != seeds.as_seed_sequence(None).entropy


@pytest.mark.parametrize("seed", [0, 1, 2**63 - 1])
def test_child_is_numpys_spawned_child_with_that_key(seed):
    root = np.random.SeedSequence(seed)
    spawned = np.random.SeedSequence(seed).spawn(5)
    for key in range(5):
        child = seeds.child(root, key)
        assert child.spawn_key == spawned[key].spawn_key == (key,)
        assert _state(child) == _state(spawned[key])
    # Deeper down, keys append to the parent's, as spawn does.
    grandchild = seeds.child(seeds.child(root, 3), 2)
    assert _state(grandchild) == _state(np.random.SeedSequence(seed).spawn(4)[3].spawn(3)[2])


def test_child_depends_on_its_key_alone():
    root = np.random.SeedSequence(4)
    before = _state(seeds.child(root, 1 << 62))
    root.spawn(10)  # spawning moves numpy's counter; child() does not read it
    assert _state(seeds.child(root, 1 << 62)) == before
    assert _state(seeds.child(root, 7)) != _state(seeds.child(root, 8))
    assert seeds.child(root, np.int64(7)).spawn_key == (7,)


def test_seed_of_is_a_deterministic_63_bit_whole_number():
    values = [seeds.seed_of(np.random.SeedSequence(s)) for s in range(500)]
    assert values == [seeds.seed_of(np.random.SeedSequence(s)) for s in range(500)]
    assert all(type(v) is int and 0 <= v < 2**63 for v in values)
    assert max(values) >= 2**62  # all 63 bits are used
    assert len(set(values)) == len(values)
    # It is the sequence's first 64-bit word without its low bit.
    first = int(np.random.SeedSequence(3).generate_state(1, np.uint64)[0])
    assert seeds.seed_of(np.random.SeedSequence(3)) == first >> 1
