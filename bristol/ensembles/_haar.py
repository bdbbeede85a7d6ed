"""Dense matrices of the Dyson circular ensembles, sampled exactly from Haar measure.

* CUE(N): Haar-distributed unitary U. Mezzadri's algorithm (Notices AMS 54, 592 (2007),
  arXiv:math-ph/0609050): QR-factorise a complex Ginibre matrix Z = QR (entries with
  independent standard normal real and imaginary parts over sqrt(2)); LAPACK leaves the
  phases of diag(R) arbitrary, so Q alone is not Haar. Dividing them out,
  U = Q diag(r_jj / |r_jj|), gives the unique QR with positive diagonal and U is Haar.
* COE(N): S = U^T U with U ~ CUE(N), a symmetric unitary matrix.
* CSE(N): Q = U^R U with U ~ CUE(2N) and the quaternion dual U^R = Z U^T Z^T,
  Z = I_N (x) [[0, 1], [-1, 0]]. Q is a 2N x 2N self-dual unitary matrix; each of its N
  distinct eigenvalues appears twice (Kramers pairs).

Every sampler takes ``size`` (None for one matrix, an int or a tuple for a leading batch
shape) and ``random_state``; batches are computed with stacked LAPACK calls. Memory: about
``HAAR_WORK_ARRAYS`` (4) complex arrays of the output's size at the peak (16 bytes per
entry); on the CPU, outputs that cannot fit are refused with a ValueError before anything
is allocated.
"""
from __future__ import annotations

import math

import numpy as np

from .._random import RandomState, as_generator
from .._validation import SizeLike, check_choice, check_int, check_memory, check_size
from . import _device

__all__ = [
    "ENSEMBLE_BETA",
    "HAAR_WORK_ARRAYS",
    "ensemble_beta",
    "quaternion_dual",
    "cue",
    "coe",
    "cse",
    "unitary_eigphases",
    "kramers_phases",
]

#: Dyson index of each named circular ensemble.
ENSEMBLE_BETA = {"COE": 1.0, "CUE": 2.0, "CSE": 4.0}

#: Peak memory of the CPU samplers, in complex arrays of the output's size (Ginibre, Q, R, U).
HAAR_WORK_ARRAYS = 4


def ensemble_beta(ensemble: str) -> float:
    """Dyson index of 'COE', 'CUE' or 'CSE' (case-insensitive)."""
    return ENSEMBLE_BETA[check_choice("ensemble", ensemble, tuple(ENSEMBLE_BETA), upper=True)]


def _haar_unitary(n: int, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Haar unitaries of shape ``shape + (n, n)`` from ``rng`` (no argument checks)."""
    ginibre = rng.standard_normal(shape + (n, n, 2)).view(np.complex128)[..., 0] / np.sqrt(2.0)
    q, r = np.linalg.qr(ginibre)
    diag = np.diagonal(r, axis1=-2, axis2=-1)
    return q * (diag / np.abs(diag))[..., None, :]


def quaternion_dual(a: np.ndarray) -> np.ndarray:
    """Return the quaternion dual a^R = Z a^T Z^T of 2N x 2N matrices (batched).

    With Z = I_N (x) [[0, 1], [-1, 0]] (bristol 0.2.14's ``unit_symplectic(N)``), the
    dual of a 2 x 2 block [[p, q], [r, s]] in block position (j, k) is [[s, -q], [-r, p]]
    in block position (k, j). Computed by index permutation and sign changes, exactly.
    """
    a = np.asarray(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or a.shape[-1] % 2:
        raise ValueError(f"a must be a (batch of) 2N x 2N matrices, got shape {a.shape}")
    m = a.shape[-1]
    swap = np.arange(m) ^ 1  # 0<->1, 2<->3, ...
    sign = np.where(np.arange(m) % 2 == 0, 1.0, -1.0)  # Z e_{2k+1} = e_{2k}, Z e_{2k} = -e_{2k+1}
    at = np.swapaxes(a, -1, -2)
    return (sign[:, None] * sign[None, :]) * at[..., swap[:, None], swap[None, :]]


def _sample(n: int, size: SizeLike, random_state: RandomState, device, kind: str):
    """U, U^T U or U^R U (kind 'cue', 'coe', 'cse'; U of size n, n, 2n) on the CPU or a device."""
    n = check_int("n", n)
    dim = 2 * n if kind == "cse" else n
    shape = check_size(size, (dim, dim))
    rng = as_generator(random_state)
    if device is None:
        check_memory(f"{kind}(n={n}, size={size!r})", HAAR_WORK_ARRAYS * 16 * math.prod(shape) * dim * dim)
        u = _haar_unitary(dim, shape, rng)
        dual = quaternion_dual
    else:
        u = _device.haar_unitary(dim, shape, rng, device=device)
        dual = _device.quaternion_dual
    if kind == "cue":
        return u
    if kind == "coe":
        return u.transpose(-1, -2) @ u if device is not None else np.swapaxes(u, -1, -2) @ u
    return dual(u) @ u


def cue(n: int, size: SizeLike = None, random_state: RandomState = None, *, device=None) -> np.ndarray:
    """Sample Haar-distributed unitary matrices (the circular unitary ensemble).

    Parameters
    ----------
    n : int
        Matrix dimension N >= 1.
    size : None, int or tuple of ints
        Batch shape; ``None`` returns one N x N matrix.
    random_state : int, SeedSequence, Generator or None
        Source of randomness (never the global numpy state). An int or a SeedSequence is a
        fixed seed (same value, same matrices; a SeedSequence is never changed), a Generator
        a stream that advances with each call (see :mod:`bristol._random`).
    device : str, torch.device or None, keyword-only
        Where the linear algebra runs (see :mod:`bristol._torch`): a torch device ("cuda",
        "cpu") samples there and returns a torch tensor on it (the Ginibre draws then come
        from a torch generator seeded from ``random_state``); None: numpy.

    Returns
    -------
    ndarray (or torch tensor with ``device``), complex, shape ``size + (n, n)``

    Raises
    ------
    ValueError
        For n < 1, a negative size, a negative seed, or (CPU) an output whose working memory,
        about 4 x 16 n^2 bytes per matrix, exceeds the machine's memory.
    TypeError
        For a non-integer n or size, or a random_state of another type.
    """
    return _sample(n, size, random_state, device, "cue")


def coe(n: int, size: SizeLike = None, random_state: RandomState = None, *, device=None) -> np.ndarray:
    """Sample the circular orthogonal ensemble: S = U^T U with U Haar on U(n).

    S is symmetric and unitary; its law is invariant under S -> W^T S W for unitary W.
    Same arguments and output shape as :func:`cue`.
    """
    return _sample(n, size, random_state, device, "coe")


def cse(n: int, size: SizeLike = None, random_state: RandomState = None, *, device=None) -> np.ndarray:
    """Sample the circular symplectic ensemble of size N as 2N x 2N matrices Q = U^R U.

    U is Haar on U(2N) and U^R its quaternion dual (:func:`quaternion_dual`). Q is unitary
    and self-dual (Q^R = Q); its eigenvalues come in degenerate Kramers pairs, so it has
    N distinct eigenphases. Returns shape ``size + (2n, 2n)``; ``device`` as in :func:`cue`.
    """
    return _sample(n, size, random_state, device, "cse")


def unitary_eigphases(u: np.ndarray) -> np.ndarray:
    """Eigenphases in (-pi, pi], sorted ascending, of (a batch of) unitary matrices."""
    return np.sort(np.angle(np.linalg.eigvals(u)), axis=-1)


def kramers_phases(phases: np.ndarray) -> np.ndarray:
    """Reduce 2N eigenphases that come in degenerate pairs to the N distinct ones.

    ``phases`` has shape (..., 2N), sorted ascending in (-pi, pi]. A pair may straddle
    the cut at -pi/pi, so the list is first rotated to start after its widest gap (a gap
    between two pairs, never inside one); each pair is then replaced by its circular mean.
    Returns shape (..., N), sorted ascending in (-pi, pi].
    """
    phases = np.asarray(phases, dtype=float)
    m = phases.shape[-1]
    if m % 2:
        raise ValueError(f"phases must hold an even number of values per matrix, got {m}")
    gaps = np.diff(phases, axis=-1, append=phases[..., :1] + 2 * np.pi)
    start = (np.argmax(gaps, axis=-1) + 1) % m
    idx = (start[..., None] + np.arange(m)) % m
    rotated = np.take_along_axis(phases, idx, axis=-1)
    first, second = rotated[..., 0::2], rotated[..., 1::2]
    second = first + np.angle(np.exp(1j * (second - first)))
    mean = np.angle(np.exp(0.5j * (first + second)))
    return np.sort(mean, axis=-1)
