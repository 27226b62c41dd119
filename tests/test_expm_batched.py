import numpy as np
from scipy.linalg import expm

from posturelab.models.arms import expm_batched


def test_batched_exponential_matches_scipy():
    # Tolerance 1e-9 relative to max(|entry|, 1): scaling and squaring loses a few digits on the
    # largest norms drawn here (up to about 40).
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 6, 6)) * rng.uniform(0.001, 5.0, size=(300, 1, 1))
    reference = np.stack([expm(m) for m in a])
    got = expm_batched(a)
    assert np.max(np.abs(got - reference) / np.maximum(np.abs(reference), 1.0)) < 1e-9


def test_zero_and_diagonal_matrices():
    zero = np.zeros((3, 4, 4))
    np.testing.assert_allclose(expm_batched(zero), np.broadcast_to(np.eye(4), (3, 4, 4)))
    diag = np.stack([np.diag([0.1, -2.0, 3.0])] * 2)
    np.testing.assert_allclose(expm_batched(diag)[0], np.diag(np.exp([0.1, -2.0, 3.0])), rtol=1e-12)
