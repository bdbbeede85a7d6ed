"""Eigenphases of the circular beta-ensemble from the Killip-Nenciu CMV model.

Killip & Nenciu (IMRN 2004, arXiv:math/0410034, Theorem 1): let alpha_0, ..., alpha_{N-1}
be independent, alpha_k ~ Theta_{beta(N-k-1)+1} for k <= N-2 (rotation invariant on the unit
disk with |alpha_k|^2 ~ Beta(1, beta(N-k-1)/2)) and alpha_{N-1} uniform on the unit circle.
With rho_k = sqrt(1 - |alpha_k|^2), Xi_k = [[conj(alpha_k), rho_k], [rho_k, -alpha_k]],
L = diag(Xi_0, Xi_2, ...), M = diag(1, Xi_1, Xi_3, ...) (a last index left alone gets the
1 x 1 block conj(alpha_{N-1})), the five-diagonal unitary C = L M has eigenphases with
joint density proportional to prod_{j<k} |e^{i theta_j} - e^{i theta_k}|^beta: the COE,
CUE and CSE (N distinct phases) for beta = 1, 2, 4, and the circular beta-ensemble for
every beta > 0.

Eigenvalues without a dense eigen-solver
----------------------------------------
For a direction phi, H_phi = (e^{-i phi} C + e^{i phi} C^H) / 2 is Hermitian and
pentadiagonal, with eigenvalues cos(theta_j - phi): LAPACK's banded Hermitian solver
(``scipy.linalg.eig_banded``) gives them in O(N^2). One such list fixes each phase only
up to the mirror image theta -> 2 phi - theta, and is ill-conditioned near theta = phi and
phi + pi. We use three directions phi_m = phi_0 + m pi/3 (phi_0 = 0.3, generic, so that
spectra symmetric under conjugation -- real Verblunsky coefficients -- or under rotations by
pi/N do not line up with a mirror axis):

1. The values of list m with |x| <= 1/2 are exactly the phases with theta - phi_m in
   +-[pi/3, 2pi/3] (the three zones tile the circle), where d theta / dx = 1/|sin| <= 2/sqrt(3):
   each phase is read from the list in which it is well conditioned.
2. The side (+ or -) of each such value is the candidate phi_m +- arccos(x) whose
   projections cos(theta - phi_m') are present in both other lists (nearest-value distance).
3. The whole spectrum is verified: for every direction, the sorted projections of the
   result must match the computed list. A matrix that fails (a count mismatch at a zone
   boundary, or two candidates equally supported, as for exactly mirror-symmetric spectra)
   is solved with the dense ``numpy.linalg.eigvals`` instead; on random spectra this does
   not happen in practice. The accuracy is that of the banded solver, ~1e-15 in angle.

Small matrices (N <= ``DENSE_MAX_N``) go to the stacked dense solver directly, which is
faster there.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
from scipy.linalg import eig_banded

from ._streams import RandomState, as_generator
from ._validation import SizeLike, check_choice, check_int, check_positive_real, check_size

#: Matrices up to this size are diagonalised densely (stacked LAPACK), larger ones banded.
DENSE_MAX_N = 48
#: The three directions phi_0 + m pi / 3 used by the banded path.
DIRECTIONS = 0.3 + np.arange(3) * np.pi / 3
#: Largest mismatch of sorted projections accepted when verifying a banded solution.
VERIFY_TOL = 1e-9


def verblunsky_coefficients(n: int, beta: float, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Draw the Killip-Nenciu Verblunsky coefficients, shape ``shape + (n,)`` (complex).

    |alpha_k|^2 ~ Beta(1, beta (n - k - 1) / 2) for k < n - 1, |alpha_{n-1}| = 1, and the
    arguments are independent and uniform on [0, 2 pi).
    """
    b = beta * (n - 1 - np.arange(n - 1)) / 2.0
    modulus = np.ones(shape + (n,))
    if n > 1:
        modulus[..., :-1] = np.sqrt(rng.beta(1.0, np.broadcast_to(b, shape + (n - 1,))))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=shape + (n,))
    return modulus * np.exp(1j * phase)


def _block_factor_diagonals(alpha: np.ndarray, parity: int) -> Tuple[np.ndarray, np.ndarray]:
    """Diagonal and first off-diagonal of L (parity 0) or M (parity 1).

    The factor holds Xi_k on rows/columns (k, k+1) for k of the given parity, k <= n - 2;
    M also holds 1 at (0, 0); the index n - 1, when no block covers it, gets conj(alpha_{n-1}).
    Both factors are symmetric, so the lower off-diagonal equals the upper one.
    """
    n = alpha.shape[-1]
    rho = np.sqrt(np.clip(1.0 - np.abs(alpha[..., :-1]) ** 2, 0.0, None))
    diag = np.zeros(alpha.shape, dtype=complex)
    off = np.zeros(alpha.shape[:-1] + (max(n - 1, 0),), dtype=complex)
    ks = np.arange(parity, n - 1, 2)
    diag[..., ks] = np.conj(alpha[..., ks])
    diag[..., ks + 1] = -alpha[..., ks]
    off[..., ks] = rho[..., ks]
    if parity == 1:
        diag[..., 0] = 1.0
    if (n - 1) % 2 == parity:
        diag[..., n - 1] = np.conj(alpha[..., n - 1])
    return diag, off


def cmv_diagonals(alpha: np.ndarray) -> dict:
    """The five diagonals of C = L M as a dict {offset: values} (offsets -2 .. 2).

    ``alpha`` has shape (..., n); diagonal ``k`` has length n - |k| and holds C[i, i + k].
    """
    l0, l1 = _block_factor_diagonals(alpha, 0)
    m0, m1 = _block_factor_diagonals(alpha, 1)
    d0 = l0 * m0
    d0[..., :-1] += l1 * m1
    d0[..., 1:] += l1 * m1
    return {
        0: d0,
        1: l0[..., :-1] * m1 + l1 * m0[..., 1:],
        -1: l1 * m0[..., :-1] + l0[..., 1:] * m1,
        2: l1[..., :-1] * m1[..., 1:],
        -2: l1[..., 1:] * m1[..., :-1],
    }


def matrix_from_diagonals(diags: dict) -> np.ndarray:
    """Dense (batched) matrix with the given diagonals {offset k: C[i, i + k]}."""
    main = diags[0]
    n = main.shape[-1]
    c = np.zeros(main.shape[:-1] + (n, n), dtype=complex)
    for k, values in diags.items():
        if n > abs(k):
            rows = np.arange(max(0, -k), n - max(0, k))
            c[..., rows, rows + k] = values
    return c


def cmv_matrix(alpha: np.ndarray) -> np.ndarray:
    """The dense CMV matrix C = L M for Verblunsky coefficients ``alpha`` (batched)."""
    return matrix_from_diagonals(cmv_diagonals(alpha))


def _hermitian_part_bands(diags: dict, phi: float) -> np.ndarray:
    """Upper band storage (3, ..., n) of H_phi = (e^{-i phi} C + e^{i phi} C^H) / 2."""
    rot = np.exp(-1j * phi)
    d0 = diags[0]
    n = d0.shape[-1]
    bands = np.zeros((3,) + d0.shape, dtype=complex)
    bands[2] = (rot * d0).real
    bands[1, ..., 1:] = 0.5 * (rot * diags[1] + np.conj(rot * diags[-1]))
    if n > 2:
        bands[0, ..., 2:] = 0.5 * (rot * diags[2] + np.conj(rot * diags[-2]))
    return bands


def _nearest_distance(sorted_values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Distance from each query to the nearest entry of the sorted 1-D array."""
    idx = np.searchsorted(sorted_values, queries)
    lo = sorted_values[np.clip(idx - 1, 0, sorted_values.size - 1)]
    hi = sorted_values[np.clip(idx, 0, sorted_values.size - 1)]
    return np.minimum(np.abs(queries - lo), np.abs(queries - hi))


def phases_from_projections(projections: np.ndarray) -> np.ndarray | None:
    """Recover eigenphases from the sorted lists cos(theta_j - phi_m), m = 0, 1, 2.

    ``projections`` has shape (3, n), each row sorted ascending. Returns the n phases in
    (-pi, pi], sorted, or None when the lists cannot be combined unambiguously (the
    caller then falls back to a dense solver).
    """
    n = projections.shape[1]
    phases = []
    for m, phi in enumerate(DIRECTIONS):
        x = projections[m]
        x = x[np.abs(x) <= 0.5]
        a = np.arccos(x)
        cand = np.stack([phi + a, phi - a])  # (2, k)
        score = np.zeros_like(cand)
        for other in ((m + 1) % 3, (m + 2) % 3):
            pred = np.cos(cand - DIRECTIONS[other])
            score = np.maximum(score, _nearest_distance(projections[other], pred))
        phases.append(np.where(score[0] <= score[1], cand[0], cand[1]))
    theta = np.concatenate(phases)
    if theta.size != n:
        return None
    theta = np.sort(np.angle(np.exp(1j * theta)))
    for m, phi in enumerate(DIRECTIONS):
        if np.max(np.abs(np.sort(np.cos(theta - phi)) - projections[m])) > VERIFY_TOL:
            return None
    return theta


def pentadiagonal_unitary_eigphases(diags: dict, method: str = "banded", device=None) -> np.ndarray:
    """Sorted eigenphases in (-pi, pi] of (a batch of) pentadiagonal unitary matrices.

    ``diags`` maps offsets -2..2 to arrays of shape (..., n - |offset|) holding C[i, i + k]
    (as returned by :func:`cmv_diagonals`). ``method`` is "banded" (three pentadiagonal
    Hermitian eigenvalue problems, O(n^2), see the module docstring; needs n >= 3) or
    "dense" (``numpy.linalg.eigvals`` on the stacked matrices, O(n^3)). With a torch
    ``device`` the three Hermitian eigenvalue problems are solved densely there
    (:mod:`bristol.torch_backend`) and combined as on the banded path.
    """
    method = check_choice("method", method, ("banded", "dense"))
    n = diags[0].shape[-1]
    if device is None and (method == "dense" or n < 3):
        return np.sort(np.angle(np.linalg.eigvals(matrix_from_diagonals(diags))), axis=-1)
    batch = diags[0].shape[:-1]
    flat = {k: v.reshape((-1, v.shape[-1])) for k, v in diags.items()}
    if device is not None:
        from .torch_backend import hermitian_part_eigvalsh

        projections = hermitian_part_eigvalsh(flat, DIRECTIONS, device)
    else:
        projections = np.stack(
            [eig_banded(np.moveaxis(_hermitian_part_bands(flat, phi), 0, -2), eigvals_only=True) for phi in DIRECTIONS],
            axis=1,
        )  # (b, 3, n), each list sorted ascending by LAPACK
    out = np.empty(projections[:, 0].shape)
    for i in range(out.shape[0]):
        theta = phases_from_projections(projections[i]) if n >= 3 else None
        if theta is None:
            dense = matrix_from_diagonals({k: v[i] for k, v in flat.items()})
            theta = np.sort(np.angle(np.linalg.eigvals(dense)))
        out[i] = theta
    return out.reshape(batch + (n,))


def cmv_eigphases(alpha: np.ndarray, method: str = "auto", device=None) -> np.ndarray:
    """Sorted eigenphases in (-pi, pi] of the CMV matrices with coefficients ``alpha``.

    ``alpha`` has shape (..., n). ``method`` is "banded", "dense" (see
    :func:`pentadiagonal_unitary_eigphases`) or "auto" (dense for n <= DENSE_MAX_N);
    ``device`` (torch) solves the Hermitian parts on that device instead.
    """
    method = check_choice("method", method, ("auto", "banded", "dense"))
    if method == "auto":
        method = "dense" if alpha.shape[-1] <= DENSE_MAX_N else "banded"
    return pentadiagonal_unitary_eigphases(cmv_diagonals(alpha), method=method, device=device)


def circular_eigphases(
    n: int,
    beta: float = 2,
    size: SizeLike = None,
    random_state: RandomState = None,
    *,
    method: str = "auto",
    device=None,
) -> np.ndarray:
    """Eigenphases of the circular beta-ensemble, exact in distribution, without dense matrices.

    Parameters
    ----------
    n : int
        Number of eigenphases N >= 1 (for CSE, beta = 4, the N distinct phases).
    beta : float
        Dyson index > 0: 1 (COE), 2 (CUE), 4 (CSE) or any other positive real.
    size : None, int or tuple of ints
        Batch shape (leading axes of the result).
    random_state : int, SeedSequence, Generator or None
        Source of randomness.
    method : {"auto", "banded", "dense"}
        Eigen-solver for the CMV matrices (see :func:`cmv_eigphases`).
    device : str or None
        A torch device ("cuda", "cpu") for the eigen-solves (needs torch); the random draws
        are the same as without it, so results agree with the CPU path to rounding.

    Returns
    -------
    ndarray, float, shape ``size + (n,)``: phases in (-pi, pi], ascending per matrix.
    """
    n = check_int("n", n)
    beta = check_positive_real("beta", beta)
    shape = check_size(size)
    alpha = verblunsky_coefficients(n, beta, shape, as_generator(random_state))
    return cmv_eigphases(alpha, method=method, device=device)


def circular_eigvals(
    n: int,
    beta: float = 2,
    size: SizeLike = None,
    random_state: RandomState = None,
    *,
    method: str = "auto",
    device=None,
) -> np.ndarray:
    """Eigenvalues exp(i theta_j) of the circular beta-ensemble (see :func:`circular_eigphases`).

    beta = 1, 2, 4 give the COE, CUE and CSE (N distinct eigenvalues for CSE); any real
    beta > 0 is allowed. Returns complex unit-modulus values, shape ``size + (n,)``, ordered
    by phase.
    """
    return np.exp(1j * circular_eigphases(n, beta, size, random_state, method=method, device=device))
