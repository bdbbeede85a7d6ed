"""Eigenphases of the circular beta-ensemble from the Killip-Nenciu CMV model.

The model and the solver are written out in docs/theory.md, section 2.

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
phi + pi.

0. One list (CMV matrices given by their coefficients -- :func:`cmv_eigphases`,
   :func:`circular_eigphases` -- on the CPU, where numba is installed): the list for
   phi_0 = ``PAIR_DIRECTIONS[0]`` and Pruefer-phase counts of the 2 N side candidates'
   cells decide every side exactly and refine the ill-conditioned readings
   (:mod:`bristol.ensembles._cmv_pruefer`); a matrix they leave open (a degenerate cell, e.g.
   a spectrum mirror-symmetric about phi_0, or |alpha_k| = 1) gets the second list of
   ``PAIR_DIRECTIONS`` and continues below. One list and about 3 N Pruefer recursions cost
   about 0.6-0.7 of two lists.

Otherwise the banded path tries two directions, phi_0 and phi_0 + pi/2 (``PAIR_DIRECTIONS``,
zones |x| <= 1/sqrt(2), d theta / dx <= sqrt(2)), with steps 1, 2 and 4 below; two lists cannot
tell an eigenphase from its mirror image when another eigenphase lies at its antipode (within
rounding), so a value with both candidates supported is decided only when one is within
``SIDE_TOL`` and the other further than ``SIDE_MARGIN``, and a matrix the two lists leave open
is solved with three directions phi_m = phi_0 + m pi/3 (phi_0 = 0.3, generic, so that
spectra symmetric under conjugation -- real Verblunsky coefficients -- or under rotations by
pi/N do not line up with a mirror axis; the list for phi_0 is reused). Two lists cost 2/3 of
three (the LAPACK solves are the whole cost); random spectra need the third and fourth lists
rarely (an eigenphase within about 1e-10 of the antipode of another: about N^2 1e-11 per matrix).
With three lists:

1. The values of list m with |x| <= 1/2 are exactly the phases with theta - phi_m in
   +-[pi/3, 2pi/3] (the three zones tile the circle), where d theta / dx = 1/|sin| <= 2/sqrt(3):
   each phase is read from the list in which it is well conditioned. A phase within
   ~``BOUNDARY_TOL`` of a zone boundary is read from both zones (|x| <= 1/2 + BOUNDARY_TOL,
   robust to rounding) and the two readings are merged.
2. The side (+ or -) of each such value is the candidate phi_m +- arccos(x) whose
   projections cos(theta - phi_m') are present in both other lists (nearest-value distance).
   When both candidates are eigenphases (mirror images about phi_m) the value is listed
   twice, and one copy takes each side: spectra mirror-symmetric about phi_m or about
   phi_m + pi/2 (whose two axis points project to x = 0 twice) stay on the banded path.
3. A value whose two candidates are both supported, and which is no twin, is undecided:
   the three lists cannot tell such a spectrum from another one (a spectrum invariant
   under a rotation by 2 pi / 3 -- beta -> infinity with 3 | N, regular polygons -- has
   the same three lists as its mirror image about phi_0).
4. The whole spectrum is verified: for every direction, the sorted projections of the
   result must match the computed list. A matrix that fails or is undecided is tried
   once more with a fourth list, phi = ``TIE_DIRECTION`` (O(N^2)), in the scores and the
   verification. A matrix that fails again (e.g. an exactly degenerate eigenvalue on a zone
   boundary) is solved with the dense ``numpy.linalg.eigvals``; on random spectra, real
   Verblunsky coefficients included, neither happens in practice. The accuracy is that of
   the banded solver, ~1e-15 in angle.

Small matrices (N <= ``DENSE_MAX_N``) go to the stacked dense solver directly, which is
faster there.
"""
from __future__ import annotations

import math
from types import ModuleType
from typing import TYPE_CHECKING, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import eig_banded

from .._banded import matrix_from_diagonals
from .._random import RandomState, as_generator
from .._torch import DeviceLike, resolve_device, to_device
from .._validation import SizeLike, check_choice, check_int, check_memory, check_positive_real, check_size

if TYPE_CHECKING:
    from .._torch import Tensor, TorchDevice

__all__ = [
    "DENSE_MAX_N",
    "DIRECTIONS",
    "TIE_DIRECTION",
    "PAIR_DIRECTIONS",
    "SIDE_TOL",
    "SIDE_MARGIN",
    "VERIFY_TOL",
    "BOUNDARY_TOL",
    "MERGE_TOL",
    "MODULUS_TOL",
    "BLOCK_ENTRIES",
    "BETA_PARAMETER_RANGE",
    "verblunsky_coefficients",
    "cmv_diagonals",
    "cmv_matrix",
    "phases_from_projections",
    "pentadiagonal_unitary_eigphases",
    "cmv_eigphases",
    "circular_eigphases",
    "circular_eigvals",
]

#: Matrices up to this size are diagonalised densely (stacked LAPACK), larger ones banded.
DENSE_MAX_N = 48
#: The three directions phi_0 + m pi / 3 used by the banded path.
DIRECTIONS = 0.3 + np.arange(3) * np.pi / 3
#: A fourth direction, off the pi / 6 grid of DIRECTIONS, for sides the three lists leave open.
TIE_DIRECTION = DIRECTIONS[0] + 0.5
#: The two directions phi_0, phi_0 + pi / 2 tried first by the banded path (module notes, step 0).
PAIR_DIRECTIONS = DIRECTIONS[0] + np.arange(2) * np.pi / 2
#: With two lists, a value whose two candidates are both supported takes the candidate within
#: SIDE_TOL of the other list when the other candidate is further than SIDE_MARGIN from it.
SIDE_TOL, SIDE_MARGIN = 1e-12, 1e-10
#: Largest mismatch of sorted projections accepted when verifying a banded solution.
VERIFY_TOL = 1e-9
#: Zone values up to 1/2 + BOUNDARY_TOL are read, so a phase within ~BOUNDARY_TOL of a zone
#: boundary is read from both zones; readings from two zones closer than MERGE_TOL (in angle,
#: more than the 2 x 2/sqrt(3) x BOUNDARY_TOL between two such readings) are merged.
BOUNDARY_TOL = 1e-10
MERGE_TOL = 3 * BOUNDARY_TOL
#: Tolerance on |alpha_k| <= 1 and |alpha_{n-1}| = 1 for given Verblunsky coefficients.
MODULUS_TOL = 1e-10
#: Complex entries (diagonals, or dense matrices) per block of :func:`cmv_eigphases`.
BLOCK_ENTRIES = 2**16
#: The Beta(1, b) draws of |alpha_k|^2 use b clipped to this range (see circular_eigphases).
BETA_PARAMETER_RANGE = (np.finfo(float).tiny, 1e300)
#: Working memory of a solver block, in bytes per entry: dense (stacked ``eigvals``) per matrix
#: entry, banded (two to four ``eig_banded`` calls and the side scores) per diagonal entry.
_DENSE_WORK_BYTES, _BANDED_WORK_BYTES = 64, 256
#: Diagonals of C, by offset.
Diagonals = dict[int, np.ndarray]


def verblunsky_coefficients(
    n: int, beta: float, shape: tuple[int, ...], rng: np.random.Generator
) -> NDArray[np.complex128]:
    """Draw the Killip-Nenciu Verblunsky coefficients of the circular beta-ensemble.

    Parameters
    ----------
    n : int
        Matrix order N >= 1 (not checked: a building block of :func:`circular_eigphases`).
    beta : float
        Dyson index > 0 (not checked).
    shape : tuple of int
        Batch shape.
    rng : numpy.random.Generator
        The stream the coefficients are drawn from.

    Returns
    -------
    ndarray of complex, shape ``shape + (n,)``
        alpha_0, ..., alpha_{n-1} along the last axis.

    Notes
    -----
    ``|alpha_k|^2`` ~ Beta(1, beta (n - k - 1) / 2) for k < n - 1, ``|alpha_{n-1}|`` = 1, and the
    arguments are independent and uniform on [0, 2 pi) (Killip & Nenciu, Theorem 1;
    docs/theory.md, section 2). The Beta parameters are clipped to BETA_PARAMETER_RANGE (no
    effect in double precision, see :func:`circular_eigphases`).

    References
    ----------
    .. [1] R. Killip and I. Nenciu, "Matrix models for circular ensembles", Int. Math. Res.
       Not. 2004 (50), 2665-2701 (2004), arXiv:math/0410034.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import verblunsky_coefficients
    >>> alpha = verblunsky_coefficients(5, 2.0, (3,), np.random.default_rng(0))
    >>> alpha.shape, bool(np.all(np.abs(alpha) <= 1)), bool(np.allclose(np.abs(alpha[:, -1]), 1))
    ((3, 5), True, True)
    """
    with np.errstate(over="ignore", under="ignore"):
        b = np.clip(beta * (n - 1 - np.arange(n - 1)) / 2.0, *BETA_PARAMETER_RANGE)
    modulus = np.ones(shape + (n,))
    if n > 1:
        modulus[..., :-1] = np.sqrt(rng.beta(1.0, np.broadcast_to(b, shape + (n - 1,))))
    phase = rng.uniform(0.0, 2.0 * np.pi, size=shape + (n,))
    return modulus * np.exp(1j * phase)


def _block_factor_diagonals(alpha: NDArray[np.complex128], parity: int) -> tuple[np.ndarray, np.ndarray]:
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


def cmv_diagonals(alpha: NDArray[np.complex128]) -> Diagonals:
    """The five diagonals of the CMV matrix C = L M (module notes), without forming C.

    Parameters
    ----------
    alpha : ndarray of complex, shape (..., n)
        Verblunsky coefficients (not checked; see :func:`cmv_eigphases`).

    Returns
    -------
    dict of int to ndarray
        Offset k (-2 .. 2) -> diagonal of shape (..., n - |k|) holding C[..., i, i + k].

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles._cmv import cmv_diagonals
    >>> diags = cmv_diagonals(np.array([0.5, 0.2j, 1.0]))
    >>> sorted(diags), [diags[k].shape for k in sorted(diags)]
    ([-2, -1, 0, 1, 2], [(1,), (2,), (3,), (2,), (1,)])
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


def cmv_matrix(alpha: NDArray[np.complex128]) -> NDArray[np.complex128]:
    """The dense CMV matrix C = L M for Verblunsky coefficients ``alpha`` (batched).

    Parameters
    ----------
    alpha : ndarray of complex, shape (..., n)
        Verblunsky coefficients (not checked; see :func:`cmv_eigphases`).

    Returns
    -------
    ndarray of complex, shape (..., n, n)
        Five-diagonal unitary matrices.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles._cmv import cmv_matrix
    >>> c = cmv_matrix(np.array([0.5, 0.2j, -0.3, 1j]))
    >>> bool(np.allclose(c @ c.conj().T, np.eye(4)))
    True
    """
    return matrix_from_diagonals(cmv_diagonals(alpha))


def _hermitian_part_bands(diags: Diagonals, phi: float) -> NDArray[np.complex128]:
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


def _choose_sides(x: np.ndarray, score: np.ndarray, separate: bool = False) -> np.ndarray | None:
    """True where the + candidate phi_m + arccos(x) is taken, for the sorted zone values ``x``.

    ``score`` (2, k) is the worst distance of each candidate's projections to the other
    lists; a candidate is supported when it is within VERIFY_TOL (the tolerance of the final
    verification). Each value takes its better supported candidate. Two values equal within
    VERIFY_TOL whose candidates are all supported are the two mirror images theta and
    2 phi_m - theta, both eigenphases (a spectrum mirror-symmetric about phi_m, or the two
    ends of a symmetry axis phi_m +- pi/2): one copy takes each side, in the better supported
    of the two ways. Returns None when another value has both candidates supported: the
    lists leave its side open (they do for every spectrum invariant under a rotation by
    2 pi / 3, whose mirror image about phi_0 has the same three lists). With ``separate`` (two
    lists) there is no twin rule, and a value with both candidates supported is decided only
    when one candidate is within SIDE_TOL and the other further than SIDE_MARGIN: an eigenphase
    near the antipode of another supports the wrong candidate to within their distance from
    exact antipodes, and mirroring both members of an antipodal pair leaves both lists unchanged,
    so the final verification could not tell.
    """
    plus = score[0] <= score[1]
    supported = score.max(axis=0) <= VERIFY_TOL
    if separate:  # no twin rule: two values near a mirror pair may be two near-antipodal pairs
        supported &= ~((score.min(axis=0) <= SIDE_TOL) & (score.max(axis=0) > SIDE_MARGIN))
        return None if supported.any() else plus
    twin = supported[:-1] & supported[1:] & (np.diff(x) <= VERIFY_TOL)
    paired = -1
    for i in np.flatnonzero(twin):
        if i == paired:
            continue  # value i is already the second of a pair
        plus[i] = max(score[0, i], score[1, i + 1]) <= max(score[1, i], score[0, i + 1])
        plus[i + 1] = not plus[i]
        supported[i: i + 2] = False  # decided
        paired = i + 1
    return None if supported.any() else plus


def phases_from_projections(
    projections: NDArray[np.float64], tie_list: NDArray[np.float64] | None = None
) -> NDArray[np.float64] | None:
    """Recover eigenphases from the sorted lists cos(theta_j - phi_m), m = 0, 1, 2.

    Parameters
    ----------
    projections : ndarray of float, shape (3, n) or (2, n)
        Row m: the eigenvalues of H_phi for phi = ``DIRECTIONS[m]`` (three rows) or
        ``PAIR_DIRECTIONS[m]`` (two rows), sorted ascending.
    tie_list : ndarray of float, shape (n,), optional
        The sorted list cos(theta_j - TIE_DIRECTION), which then also scores the side
        candidates and verifies the result.

    Returns
    -------
    ndarray of float, shape (n,), or None
        The n phases in (-pi, pi], sorted, or None when the lists cannot be combined
        unambiguously (steps 1-4 of the module notes). O(n log n) time, O(n) memory.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles._cmv import DIRECTIONS, phases_from_projections
    >>> theta = np.array([-2.0, -0.4, 1.1, 2.9])
    >>> lists = np.sort(np.cos(theta[None, :] - DIRECTIONS[:, None]), axis=1)
    >>> bool(np.allclose(phases_from_projections(lists), theta))
    True
    """
    rows, n = projections.shape
    directions = DIRECTIONS if rows == 3 else PAIR_DIRECTIONS
    zone = 0.5 if rows == 3 else math.sqrt(0.5)  # sin(pi / 2 rows): the zones |x| <= zone tile the circle
    checks = [(directions[m], projections[m]) for m in range(rows)]
    extra = [] if tie_list is None else [(TIE_DIRECTION, tie_list)]
    phases, sources = [], []
    for m, phi in enumerate(directions):
        x = projections[m]
        x = x[np.abs(x) <= zone + BOUNDARY_TOL]
        a = np.arccos(x)
        cand = np.stack([phi + a, phi - a])  # (2, k)
        score = np.zeros_like(cand)
        for other, values in checks[m + 1:] + checks[:m] + extra:
            score = np.maximum(score, _nearest_distance(values, np.cos(cand - other)))
        plus = _choose_sides(x, score, separate=rows == 2)
        if plus is None:
            return None
        phases.append(np.where(plus, cand[0], cand[1]))
        sources.append(np.full(x.size, m))
    theta = np.angle(np.exp(1j * np.concatenate(phases)))
    order = np.argsort(theta)
    theta, source = theta[order], np.concatenate(sources)[order]
    # A phase near a zone boundary is read from both zones: keep one reading.
    gap = np.diff(theta, append=theta[:1] + 2 * np.pi)
    theta = theta[~((gap <= MERGE_TOL) & (source != np.roll(source, -1)))]
    if theta.size != n:
        return None
    for phi, values in checks + extra:
        if np.max(np.abs(np.sort(np.cos(theta - phi)) - values)) > VERIFY_TOL:
            return None
    return theta


def _dense_eigphases(c: NDArray[np.complex128]) -> NDArray[np.float64]:
    """Sorted eigenphases of (a stack of) dense matrices, ``numpy.linalg.eigvals``."""
    return np.sort(np.angle(np.linalg.eigvals(c)), axis=-1)


@overload
def pentadiagonal_unitary_eigphases(
    diags: Diagonals, method: str = ..., *, device: None = ...
) -> NDArray[np.float64]:
    ...


@overload
def pentadiagonal_unitary_eigphases(
    diags: Diagonals, method: str = ..., *, device: str | TorchDevice
) -> Tensor:
    ...


def pentadiagonal_unitary_eigphases(
    diags: Diagonals, method: str = "banded", *, device: DeviceLike = None
) -> NDArray[np.float64] | Tensor:
    """Sorted eigenphases in (-pi, pi] of (a batch of) pentadiagonal unitary matrices.

    Parameters
    ----------
    diags : dict of int to ndarray
        Offsets -2..2 -> arrays of shape (..., n - |offset|) holding C[i, i + k] (as returned
        by :func:`cmv_diagonals`); C must be unitary (not checked).
    method : {"banded", "dense"}
        "banded": two (where they leave a side open, three or four) pentadiagonal Hermitian
        eigenvalue problems, O(n^2) time and O(n) memory per matrix (module notes); "dense":
        ``numpy.linalg.eigvals`` on the stacked matrices, O(n^3) time and O(n^2) memory per matrix.
    device : str, torch.device or None, keyword-only
        With a torch device (either method) the three Hermitian eigenvalue problems are
        solved densely there (:mod:`bristol.ensembles._device`) and combined as on the banded
        path, and the result is a torch tensor on the device (see :mod:`bristol._torch`).

    Returns
    -------
    ndarray of float (torch tensor with ``device``), shape (..., n)
        Phases ascending along the last axis. Matrices with n < 3 are always solved densely
        on the CPU (the same result on every path).

    Raises
    ------
    ValueError
        For an unknown method or device.
    TypeError
        For a method that is not a string.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles._cmv import cmv_diagonals, pentadiagonal_unitary_eigphases
    >>> diags = cmv_diagonals(np.exp(1j * np.linspace(0, 1, 60)) * np.r_[np.full(59, 0.5), 1])
    >>> banded = pentadiagonal_unitary_eigphases(diags, "banded")
    >>> bool(np.allclose(banded, pentadiagonal_unitary_eigphases(diags, "dense")))
    True
    """
    return to_device(_pentadiagonal_phases(diags, method, device), device)


def _banded_lists(diags: Diagonals, directions: NDArray[np.float64]) -> NDArray[np.float64]:
    """The sorted eigenvalues of H_phi for each phi in ``directions``, shape (..., len(directions), n):
    ``scipy.linalg.eig_banded`` (LAPACK ?hbevd), O(n^2) each."""
    return np.stack(
        [eig_banded(np.moveaxis(_hermitian_part_bands(diags, phi), 0, -2), eigvals_only=True) for phi in directions],
        axis=-2,
    )


def _one_list_solver() -> ModuleType | None:
    """:mod:`bristol.ensembles._cmv_pruefer` where numba compiles its kernels, else None (without
    numba the Pruefer recursions would cost more than the list they save)."""
    from . import _cmv_pruefer, _counts  # imported here: _counts imports this module

    return _cmv_pruefer if _counts._compiled() is not None else None


def _pentadiagonal_phases(
    diags: Diagonals, method: str, device: DeviceLike, alpha: NDArray[np.complex128] | None = None
) -> NDArray[np.float64]:
    """:func:`pentadiagonal_unitary_eigphases` as a numpy array, whatever ``device`` solves them;
    with the Verblunsky coefficients ``alpha`` (shape (..., n)) of CMV matrices, the CPU path
    tries one list and the Pruefer phase first (module notes, step 0)."""
    method = check_choice("method", method, ("banded", "dense"))
    if device is not None:
        resolve_device(device)
    main = diags[0]
    n = main.shape[-1]
    batch = main.shape[:-1]
    if main.size == 0:
        return np.empty(batch + (n,))
    if n < 3 or (method == "dense" and device is None):
        return _dense_eigphases(matrix_from_diagonals(diags))
    count = main.size // n
    flat = {k: v.reshape((count, v.shape[-1])) for k, v in diags.items()}
    one_list = None if alpha is None or device is not None else _one_list_solver()
    coefficients = None if alpha is None else alpha.reshape((count, n))
    if device is not None:
        from ._device import hermitian_part_eigvalsh

        projections = hermitian_part_eigvalsh(flat, DIRECTIONS, device=device)
    else:
        projections = _banded_lists(flat, PAIR_DIRECTIONS[:1] if one_list else PAIR_DIRECTIONS)  # (b, 1 or 2, n)
    out = np.empty((count, n))
    for i in range(count):
        lists = projections[i]
        single = {k: v[i] for k, v in flat.items()}
        theta = None
        if one_list is not None and coefficients is not None:
            theta = one_list.phases_from_one_list(lists[0], PAIR_DIRECTIONS[0], coefficients[i])
            if theta is None:  # the Pruefer phase leaves it open: the second list of PAIR_DIRECTIONS
                lists = np.concatenate([lists, _banded_lists(single, PAIR_DIRECTIONS[1:])])
        if theta is None:
            theta = phases_from_projections(lists)
        if theta is None and lists.shape[0] == 2:  # two lists leave a side open: the three of DIRECTIONS
            lists = np.concatenate([lists[:1], _banded_lists(single, DIRECTIONS[1:])])  # phi_0 is shared
            theta = phases_from_projections(lists)
        if theta is None:  # sides undecided: score them on a fourth list too, O(n^2)
            tie_list = eig_banded(_hermitian_part_bands(single, TIE_DIRECTION), eigvals_only=True)
            theta = phases_from_projections(lists, tie_list)
        if theta is None:
            theta = _dense_eigphases(matrix_from_diagonals(single))
        out[i] = theta
    return out.reshape(batch + (n,))


def _as_verblunsky(alpha: object) -> NDArray[np.complex128]:
    """``alpha`` as a complex array (..., n), checked: finite, |alpha_k| <= 1, |alpha_{n-1}| = 1."""
    try:
        arr = np.asarray(alpha)
    except ValueError as err:  # ragged nested sequences
        raise ValueError(f"alpha must be a rectangular array of shape (..., n): {err}") from None
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.number)):
        raise TypeError(f"alpha must be an array of real or complex numbers, got dtype {arr.dtype}")
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(f"alpha must have shape (..., n) with n >= 1, got shape {arr.shape}")
    arr = arr.astype(complex)
    modulus = np.abs(arr)
    if not np.all(np.isfinite(modulus)):
        raise ValueError("alpha contains NaN or Inf")
    if np.any(modulus[..., :-1] > 1 + MODULUS_TOL):
        raise ValueError(
            f"alpha[..., :-1] must lie in the closed unit disk, got |alpha| up to {modulus[..., :-1].max()!r}"
        )
    if np.any(np.abs(modulus[..., -1] - 1) > MODULUS_TOL):
        raise ValueError(f"alpha[..., -1] must lie on the unit circle (|alpha_(n-1)| = 1 within {MODULUS_TOL}), "
                         f"got modulus {modulus[..., -1].ravel()[np.argmax(np.abs(modulus[..., -1] - 1))]!r}")
    return arr


def _resolve_method(method: object, n: int) -> str:
    """Check ``method`` and resolve "auto": "dense" for n <= DENSE_MAX_N, else "banded"."""
    method = check_choice("method", method, ("auto", "banded", "dense"))
    if method == "auto":
        return "dense" if n <= DENSE_MAX_N else "banded"
    return method


def _block_rows(n: int, dense: bool) -> int:
    """Matrices per block of :func:`cmv_eigphases`: BLOCK_ENTRIES complex entries of matrices or diagonals."""
    return max(1, BLOCK_ENTRIES // (n * n if dense else n))


def _check_memory(what: str, count: int, n: int, method: str, bytes_per_phase: int) -> None:
    """Refuse, before allocating, ``count`` matrices of size ``n`` that do not fit in memory.

    ``bytes_per_phase`` is held for each of the ``count * n`` phases; a block of the solver
    adds its working memory (``_DENSE_WORK_BYTES`` per dense-matrix entry,
    ``_BANDED_WORK_BYTES`` per banded entry). The ValueError names ``what`` and states the
    bytes needed.
    """
    rows = min(count, _block_rows(n, method == "dense"))
    work = rows * n * n * _DENSE_WORK_BYTES if method == "dense" else rows * n * _BANDED_WORK_BYTES
    need = count * n * bytes_per_phase + work
    check_memory(f"{what}: {count} x {n} eigenphases (method={method!r})", need)


@overload
def cmv_eigphases(alpha: ArrayLike, method: str = ..., *, device: None = ...) -> NDArray[np.float64]:
    ...


@overload
def cmv_eigphases(alpha: ArrayLike, method: str = ..., *, device: str | TorchDevice) -> Tensor:
    ...


def cmv_eigphases(
    alpha: ArrayLike, method: str = "auto", *, device: DeviceLike = None
) -> NDArray[np.float64] | Tensor:
    """Sorted eigenphases in (-pi, pi] of the CMV matrices with coefficients ``alpha``.

    Parameters
    ----------
    alpha : array_like, real or complex, shape (..., n)
        Verblunsky coefficients: finite, ``|alpha_k|`` <= 1 for k < n - 1 and ``|alpha_{n-1}|`` = 1
        (within 1e-10). Lists are accepted.
    method : {"auto", "banded", "dense"}
        See :func:`pentadiagonal_unitary_eigphases`; "auto" is dense for n <= DENSE_MAX_N.
    device : str, torch.device or None, keyword-only
        Where the linear algebra runs (see :mod:`bristol._torch`): a torch device solves the
        Hermitian parts there and the result is a torch tensor on it.

    Returns
    -------
    ndarray (torch tensor with ``device``), float, shape ``alpha.shape``
        Phases in (-pi, pi], ascending along the last axis.

    Raises
    ------
    ValueError
        For a ragged or empty ``alpha``, NaN or Inf in it, coefficients off the disk or the
        circle, an unknown method or device, or a result that cannot fit in memory.
    TypeError
        For an ``alpha`` that is not numeric (bools included) or a method that is not a string.

    Notes
    -----
    The eigenphases of the five-diagonal unitary C = L M built from ``alpha`` (module notes;
    docs/theory.md, section 2). Memory: the result plus one block of at most BLOCK_ENTRIES
    (2**16) diagonal entries (banded) or matrix entries (dense, at least one n x n matrix);
    time O(n^2) per matrix banded (one banded solve and Pruefer counts with numba, module notes
    step 0; else two or more solves), O(n^3) dense.

    References
    ----------
    .. [1] R. Killip and I. Nenciu, "Matrix models for circular ensembles", Int. Math. Res.
       Not. 2004 (50), 2665-2701 (2004), arXiv:math/0410034.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import cmv_eigphases
    >>> theta = cmv_eigphases([0.0, 0.0, 1.0])  # C is a permutation matrix: the cube roots of 1
    >>> bool(np.allclose(theta, [-2 * np.pi / 3, 0.0, 2 * np.pi / 3]))
    True
    >>> cmv_eigphases([[0.3, 0.5j, -1.0], [0.0, 0.9, 1j]]).shape
    (2, 3)
    """
    return to_device(_cmv_phases(alpha, method, device), device)


def _cmv_phases(alpha: ArrayLike, method: str, device: DeviceLike) -> NDArray[np.float64]:
    """:func:`cmv_eigphases` as a numpy array, whatever ``device`` solves them."""
    alpha = _as_verblunsky(alpha)
    n = alpha.shape[-1]
    method = _resolve_method(method, n)
    count = alpha.size // n
    _check_memory("alpha", count, n, method, 8)
    flat = alpha.reshape((count, n))
    out = np.empty((count, n))
    # the device path keeps the whole batch (_device chunks it on the device)
    step = max(count, 1) if device is not None else _block_rows(n, method == "dense")
    for start in range(0, max(count, 1), step):  # an empty batch still checks the device
        block = flat[start: start + step]
        out[start: start + step] = _pentadiagonal_phases(cmv_diagonals(block), method, device, block)
    return out.reshape(alpha.shape)


@overload
def circular_eigphases(
    n: int, beta: float = ..., size: SizeLike = ..., random_state: RandomState = ..., *, method: str = ...,
    device: None = ...,
) -> NDArray[np.float64]:
    ...


@overload
def circular_eigphases(
    n: int, beta: float = ..., size: SizeLike = ..., random_state: RandomState = ..., *, method: str = ...,
    device: str | TorchDevice,
) -> Tensor:
    ...


def circular_eigphases(
    n: int,
    beta: float = 2,
    size: SizeLike = None,
    random_state: RandomState = None,
    *,
    method: str = "auto",
    device: DeviceLike = None,
) -> NDArray[np.float64] | Tensor:
    """Eigenphases of the circular beta-ensemble, exact in distribution, without dense matrices.

    Parameters
    ----------
    n : int
        Number of eigenphases N >= 1 (for CSE, beta = 4, the N distinct phases).
    beta : float
        Dyson index: any finite real > 0 (1 COE, 2 CUE, 4 CSE). Where beta (N - k - 1) / 2
        leaves [2.2e-308, 1e300] (beta near 5e-324 or 1e308) the Beta(1, .) draw of
        ``|alpha_k|^2`` is made at the nearest end of that range; in double precision that draw
        is then 1 (beta -> 0: independent uniform phases) or below 1e-298 (beta -> infinity:
        the rotated lattice), as for the exact parameter.
    size : None, int or tuple of ints
        Batch shape (leading axes of the result); 0 in it gives an empty result.
    random_state : int, SeedSequence, Generator or None
        Source of randomness.
    method : {"auto", "banded", "dense"}
        Eigen-solver for the CMV matrices (see :func:`cmv_eigphases`).
    device : str, torch.device or None, keyword-only
        Where the linear algebra runs (see :mod:`bristol._torch`): with a torch device
        ("cuda", "cpu") the eigen-solves run there and the result is a torch tensor on it;
        the random draws are the same as without it, so the values agree with the CPU path
        to rounding.

    Returns
    -------
    ndarray (torch tensor with ``device``), float, shape ``size + (n,)``
        Phases in (-pi, pi], ascending per matrix.

    Raises
    ------
    ValueError
        For n < 1, beta not finite and > 0, a negative size or seed, an unknown method or
        device, or when the draws and the result (about 64 bytes per phase) would not fit in
        the physical memory, stating the bytes; before anything is allocated.
    TypeError
        For a non-integer n or size, a non-real beta, or a random_state of another type.

    See Also
    --------
    circular_eigvals : the eigenvalues exp(i theta).
    circular_ensemble_eigphases : many matrices in chunks, in parallel.
    cue, coe, cse : the dense matrices for beta = 2, 1, 4.

    Notes
    -----
    The Killip-Nenciu model (docs/theory.md, section 2): the eigenphases of the five-diagonal
    CMV matrix of independent Verblunsky coefficients (:func:`verblunsky_coefficients`) have
    the joint density proportional to ``prod_{j<k} |e^{i theta_j} - e^{i theta_k}|^beta``
    (docs/theory.md, section 1.4). They are found in O(N^2) from one Hermitian banded eigenvalue
    problem and Pruefer-phase counts where numba is installed, else from two (rarely three or four)
    (module notes), or densely for N <= ``DENSE_MAX_N``. Memory grows as
    64 bytes x prod(size) x n (the coefficients, their draws and the result), plus one solver
    block (see :func:`cmv_eigphases`).

    References
    ----------
    .. [1] R. Killip and I. Nenciu, "Matrix models for circular ensembles", Int. Math. Res.
       Not. 2004 (50), 2665-2701 (2004), arXiv:math/0410034.
    .. [2] F. J. Dyson, "Statistical theory of the energy levels of complex systems I",
       J. Math. Phys. 3, 140-156 (1962).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import circular_eigphases
    >>> theta = circular_eigphases(100, beta=1.5, size=4, random_state=0)
    >>> theta.shape, bool(np.all(np.diff(theta, axis=-1) >= 0)), bool(np.all(np.abs(theta) <= np.pi))
    ((4, 100), True, True)
    >>> banded = circular_eigphases(60, size=2, random_state=1, method="banded")
    >>> bool(np.allclose(banded, circular_eigphases(60, size=2, random_state=1, method="dense")))
    True
    """
    return to_device(_circular_phases(n, beta, size, random_state, method, device), device)


def _circular_phases(n: int, beta: float, size: SizeLike, random_state: RandomState, method: str,
                     device: DeviceLike) -> NDArray[np.float64]:
    """:func:`circular_eigphases` as a numpy array, whatever ``device`` solves them."""
    n = check_int("n", n)
    beta = check_positive_real("beta", beta)
    shape = check_size(size)
    _check_memory("size", math.prod(shape), n, _resolve_method(method, n), 64)
    alpha = verblunsky_coefficients(n, beta, shape, as_generator(random_state))
    return _cmv_phases(alpha, method, device)


@overload
def circular_eigvals(
    n: int, beta: float = ..., size: SizeLike = ..., random_state: RandomState = ..., *, method: str = ...,
    device: None = ...,
) -> NDArray[np.complex128]:
    ...


@overload
def circular_eigvals(
    n: int, beta: float = ..., size: SizeLike = ..., random_state: RandomState = ..., *, method: str = ...,
    device: str | TorchDevice,
) -> Tensor:
    ...


def circular_eigvals(
    n: int,
    beta: float = 2,
    size: SizeLike = None,
    random_state: RandomState = None,
    *,
    method: str = "auto",
    device: DeviceLike = None,
) -> NDArray[np.complex128] | Tensor:
    """Eigenvalues exp(i theta_j) of the circular beta-ensemble.

    Parameters
    ----------
    n, beta, size, random_state, method, device
        As in :func:`circular_eigphases`: beta = 1, 2, 4 give the COE, CUE and CSE (N
        distinct eigenvalues for CSE); any real beta > 0 is allowed.

    Returns
    -------
    ndarray (torch tensor with ``device``), complex, shape ``size + (n,)``
        Unit-modulus values ordered by phase (see :mod:`bristol._torch` for ``device``).

    Raises
    ------
    ValueError, TypeError
        As :func:`circular_eigphases`.

    Notes
    -----
    exp(1j * circular_eigphases(...)) with the same arguments (docs/theory.md, section 2).

    References
    ----------
    .. [1] R. Killip and I. Nenciu, "Matrix models for circular ensembles", Int. Math. Res.
       Not. 2004 (50), 2665-2701 (2004), arXiv:math/0410034.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import circular_eigphases, circular_eigvals
    >>> z = circular_eigvals(10, beta=4, size=2, random_state=3)
    >>> z.shape, bool(np.allclose(np.abs(z), 1))
    ((2, 10), True)
    >>> bool(np.allclose(np.angle(z), circular_eigphases(10, beta=4, size=2, random_state=3)))
    True
    """
    return to_device(np.exp(1j * _circular_phases(n, beta, size, random_state, method, device)), device)
