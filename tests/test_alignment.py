"""Landscape theory of alignment: exact search, basins, cohesion, ensemble and annealing."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from posturelab.models.alignment import (
    EXACT_MAX_ACTORS,
    AlignmentParams,
    codes_to_sides,
    energy,
    exact_landscape,
    frustration,
    sides_to_codes,
    steepest_descent,
)
from posturelab.models.alignment_solvers import anneal, bloc_cohesion, solve_ensemble


def random_problem(rng: np.random.Generator, n: int, *, integer: bool = False) -> AlignmentParams:
    if integer:
        p = rng.integers(-2, 3, size=(n, n)).astype(float)
        sizes = np.ones(n)
    else:
        p = rng.normal(size=(n, n))
        sizes = rng.uniform(0.1, 1.0, size=n)
    return AlignmentParams(sizes=sizes, propensities=np.triu(p, 1) + np.triu(p, 1).T)


class BruteForce:
    """Reference answers by plain loops over itertools.product (no numpy vectorisation)."""

    def __init__(self, params: AlignmentParams) -> None:
        self.n = params.n_actors
        self.s = [float(v) for v in params.sizes]
        self.p = params.propensities.tolist()
        self.tol = params.tolerance
        self.configs = [(0, *bits) for bits in itertools.product((0, 1), repeat=self.n - 1)]
        self.energy = {self.code(c): self.e(c) for c in self.configs}

    @staticmethod
    def code(sides: tuple[int, ...]) -> int:
        flip = sides[0]
        return sum(((b ^ flip) << (k - 1)) for k, b in enumerate(sides) if k > 0)

    def e(self, sides: tuple[int, ...]) -> float:
        total = 0.0
        for i, j in itertools.combinations(range(self.n), 2):
            if sides[i] != sides[j]:
                total += self.s[i] * self.s[j] * self.p[i][j]
        return total

    def neighbours(self, code: int) -> list[int]:
        sides = codes_to_sides(code, self.n).tolist()
        out = []
        for i in range(self.n):
            moved = list(sides)
            moved[i] = 1 - moved[i]
            out.append(self.code(tuple(moved)))
        return out

    def step(self, code: int) -> int:
        drops = [self.energy[nb] - self.energy[code] for nb in self.neighbours(code)]
        best = min(drops)
        if best >= -self.tol:
            return code
        first = next(k for k, d in enumerate(drops) if d <= best + self.tol)
        return self.neighbours(code)[first]

    def descend(self, code: int) -> int:
        while (nxt := self.step(code)) != code:
            code = nxt
        return code


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("integer", [False, True])
def test_exact_search_agrees_with_brute_force(seed: int, integer: bool) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    params = random_problem(rng, n, integer=integer)
    brute = BruteForce(params)
    land = exact_landscape(params, chunk_size=5)

    expected_e = np.array([brute.energy[c] for c in range(2 ** (n - 1))])
    np.testing.assert_allclose(land.energies, expected_e, rtol=0, atol=1e-12)
    ends = {c: brute.descend(c) for c in range(2 ** (n - 1))}
    minima = sorted(set(ends.values()))
    assert sorted(land.minima.tolist()) == minima
    basin = {m: sum(1 for v in ends.values() if v == m) for m in minima}
    assert dict(zip(land.minima.tolist(), land.basins.tolist(), strict=True)) == basin
    gmin = min(expected_e)
    assert land.global_energy == pytest.approx(gmin, abs=1e-12)
    first = next(c for c in range(2 ** (n - 1)) if expected_e[c] <= gmin + params.tolerance)
    assert land.global_code == first
    # every minimum is stable: no neighbour is lower by more than the tolerance
    for m in minima:
        assert all(
            brute.energy[nb] >= brute.energy[m] - params.tolerance for nb in brute.neighbours(m)
        )


@pytest.mark.parametrize("n", [2, 5, 11, 14])
def test_basin_sizes_sum_to_all_configurations(n: int) -> None:
    land = exact_landscape(random_problem(np.random.default_rng(n), n))
    assert int(land.basins.sum()) == 2 ** (n - 1)
    assert np.all(land.basins >= 1)
    assert land.global_code in land.minima.tolist()
    assert np.all(np.diff(land.minimum_energies) >= 0)


def test_result_does_not_depend_on_chunking() -> None:
    params = random_problem(np.random.default_rng(3), 12)
    a = exact_landscape(params, chunk_size=7)
    b = exact_landscape(params)
    np.testing.assert_array_equal(a.minima, b.minima)
    np.testing.assert_array_equal(a.basins, b.basins)
    np.testing.assert_allclose(a.energies, b.energies, rtol=0, atol=1e-12)


def test_energy_unchanged_when_side_labels_swap() -> None:
    rng = np.random.default_rng(11)
    params = random_problem(rng, 9)
    sides = rng.integers(0, 2, size=(200, 9))
    np.testing.assert_allclose(energy(params, sides), energy(params, 1 - sides), rtol=0, atol=1e-13)
    land = exact_landscape(params)
    codes = sides_to_codes(sides)
    np.testing.assert_allclose(land.energies[codes], energy(params, sides), rtol=0, atol=1e-12)


def test_codes_round_trip() -> None:
    codes = np.arange(2**7)
    sides = codes_to_sides(codes, 8)
    assert np.all(sides[:, 0] == 0)
    np.testing.assert_array_equal(sides_to_codes(sides), codes)
    np.testing.assert_array_equal(sides_to_codes(1 - sides), codes)


def test_footnote_2_lower_frustration_lowers_energy() -> None:
    """Axelrod & Bennett, footnote 2: with symmetric p, ΔE = s_i ΔF_i for a move of actor i."""
    rng = np.random.default_rng(5)
    params = random_problem(rng, 10)
    sides = rng.integers(0, 2, size=(300, 10))
    f_before = frustration(params, sides)
    e_before = energy(params, sides)
    checked = 0
    for i in range(10):
        moved = sides.copy()
        moved[:, i] = 1 - moved[:, i]
        d_f = frustration(params, moved)[:, i] - f_before[:, i]
        d_e = energy(params, moved) - e_before
        np.testing.assert_allclose(d_e, params.sizes[i] * d_f, rtol=0, atol=1e-12)
        lowered = d_f < -1e-12
        assert np.all(d_e[lowered] < 0)
        checked += int(lowered.sum())
    assert checked > 100


def test_cohesion_hand_example() -> None:
    # 0 and 1 like each other, both dislike 2: the global minimum is {0, 1} | {2} with E = -2.
    p = np.array([[0.0, 1.0, -1.0], [1.0, 0.0, -1.0], [-1.0, -1.0, 0.0]])
    land = exact_landscape(AlignmentParams(np.ones(3), p))
    assert land.global_energy == pytest.approx(-2.0)
    np.testing.assert_array_equal(land.sides(land.global_code), [0, 0, 1])
    together = bloc_cohesion(land, [0, 1])
    assert together.cohesion == pytest.approx(2.0)  # cheapest split costs E = 0
    assert not together.global_splits
    split = bloc_cohesion(land, [2, 0])
    assert split.bloc == (0, 2)
    assert split.global_splits
    assert split.cohesion == pytest.approx(-2.0)  # holding 0 and 2 together costs 2
    everyone = bloc_cohesion(land, [0, 1, 2])
    assert everyone.together_code == 0
    assert everyone.cohesion == pytest.approx(-2.0)


def test_cohesion_matches_brute_force() -> None:
    rng = np.random.default_rng(8)
    for _ in range(5):
        params = random_problem(rng, 8)
        land = exact_landscape(params)
        bloc = rng.choice(8, size=3, replace=False).tolist()
        brute = BruteForce(params)
        tog = [brute.energy[brute.code(c)] for c in brute.configs if len({c[b] for b in bloc}) == 1]
        spl = [brute.energy[brute.code(c)] for c in brute.configs if len({c[b] for b in bloc}) == 2]
        coh = bloc_cohesion(land, bloc)
        assert coh.cohesion == pytest.approx(min(spl) - min(tog), abs=1e-12)
        assert coh.global_splits == (min(spl) < min(tog))


@pytest.mark.parametrize("shared_sizes", [True, False])
def test_ensemble_matches_single_exact_search(shared_sizes: bool) -> None:
    rng = np.random.default_rng(21)
    m, n = 25, 9
    p = rng.normal(size=(m, n, n))
    p = p + np.swapaxes(p, 1, 2)
    sizes = rng.uniform(0.1, 1, size=n) if shared_sizes else rng.uniform(0.1, 1, size=(m, n))
    ens = solve_ensemble(p, sizes, bloc=[1, 4, 6], config_chunk=32, max_block=100)
    for k in range(m):
        s_k = sizes if shared_sizes else sizes[k]
        land = exact_landscape(AlignmentParams(s_k, p[k]))
        coh = bloc_cohesion(land, [1, 4, 6])
        assert ens.codes[k] == land.global_code
        np.testing.assert_array_equal(ens.sides[k], land.sides(land.global_code))
        assert ens.energy[k] == pytest.approx(land.global_energy, abs=1e-12)
        assert ens.cohesion[k] == pytest.approx(coh.cohesion, abs=1e-12)
        assert ens.together_energy[k] == pytest.approx(coh.together_energy, abs=1e-12)


def test_ensemble_without_bloc_gives_nan_cohesion() -> None:
    p = np.ones((2, 3, 3))
    ens = solve_ensemble(p, np.ones(3))
    assert np.all(np.isnan(ens.cohesion))
    np.testing.assert_array_equal(ens.codes, [0, 0])
    np.testing.assert_allclose(ens.energy, [0.0, 0.0])


@pytest.mark.parametrize("seed", range(4))
def test_annealing_finds_the_exact_global_minimum(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    params = random_problem(rng, 14)
    land = exact_landscape(params)
    found = anneal(params, np.random.default_rng(seed), chains=16, sweeps=150)
    assert found.energy == pytest.approx(land.global_energy, abs=1e-9)
    assert int(sides_to_codes(found.sides)) == land.global_code
    # every chain ends in a local minimum of the exact landscape
    assert set(np.round(found.chain_energies, 9)) <= set(np.round(land.minimum_energies, 9))


def test_annealing_is_reproducible_with_the_same_seed() -> None:
    params = random_problem(np.random.default_rng(2), 30)
    a = anneal(params, np.random.default_rng(7), chains=8, sweeps=50)
    b = anneal(params, np.random.default_rng(7), chains=8, sweeps=50)
    np.testing.assert_array_equal(a.sides, b.sides)
    assert a.energy == b.energy
    # annealing's answer is a local minimum: steepest descent does not move it
    np.testing.assert_array_equal(steepest_descent(params, a.sides), a.sides)


def test_steepest_descent_matches_landscape_pointers() -> None:
    params = random_problem(np.random.default_rng(4), 10, integer=True)
    land = exact_landscape(params)
    codes = np.arange(2**9)
    ends = sides_to_codes(steepest_descent(params, codes_to_sides(codes, 10)))
    root = land.next_code
    for _ in range(20):
        root = root[root]
    np.testing.assert_array_equal(ends, root)


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="symmetric"):
        AlignmentParams(np.ones(2), np.array([[0.0, 1.0], [2.0, 0.0]]))
    with pytest.raises(ValueError, match=">= 0"):
        AlignmentParams(np.array([1.0, -1.0]), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="N >= 2"):
        AlignmentParams(np.ones(1), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="finite"):
        AlignmentParams(np.ones(2), np.array([[0.0, np.nan], [np.nan, 0.0]]))
    big = EXACT_MAX_ACTORS + 1
    with pytest.raises(ValueError, match="at most"):
        exact_landscape(AlignmentParams(np.ones(big), np.zeros((big, big))))
    land = exact_landscape(AlignmentParams(np.ones(3), np.zeros((3, 3))))
    with pytest.raises(ValueError, match="at least two"):
        bloc_cohesion(land, [1])
    with pytest.raises(ValueError, match="distinct"):
        bloc_cohesion(land, [1, 1])
    with pytest.raises(ValueError, match="shape"):
        solve_ensemble(np.zeros((2, 3, 3)), np.ones(4))
