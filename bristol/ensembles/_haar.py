"""Dense matrices of the Dyson circular ensembles, sampled exactly from Haar measure.

The constructions (docs/theory.md, sections 1.1-1.3):

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
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._random import RandomState, as_generator
from .._torch import DeviceLike
from .._validation import SizeLike, check_choice, check_int, check_memory, check_size
from . import _device

if TYPE_CHECKING:
    from .._torch import Tensor, TorchDevice

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
#: Bytes of one complex128 entry.
_COMPLEX_BYTES = 16


def ensemble_beta(ensemble: str) -> float:
    """Dyson index of a named circular ensemble.

    Parameters
    ----------
    ensemble : {"COE", "CUE", "CSE"}
        The ensemble's name, case-insensitive.

    Returns
    -------
    float
        1.0, 2.0 or 4.0.

    Raises
    ------
    ValueError
        For another name.
    TypeError
        For a value that is not a string.

    Examples
    --------
    >>> from bristol.ensembles import ensemble_beta
    >>> ensemble_beta("cse")
    4.0
    """
    return ENSEMBLE_BETA[check_choice("ensemble", ensemble, tuple(ENSEMBLE_BETA), upper=True)]


def _haar_unitary(n: int, shape: tuple[int, ...], rng: np.random.Generator) -> NDArray[np.complex128]:
    """Haar unitaries of shape ``shape + (n, n)`` from ``rng`` (no argument checks)."""
    ginibre = rng.standard_normal(shape + (n, n, 2)).view(np.complex128)[..., 0] / np.sqrt(2.0)
    q, r = np.linalg.qr(ginibre)
    diag = np.diagonal(r, axis1=-2, axis2=-1)
    return q * (diag / np.abs(diag))[..., None, :]


def quaternion_dual(a: ArrayLike) -> NDArray[np.generic]:
    """Return the quaternion dual a^R = Z a^T Z^T of 2N x 2N matrices (batched).

    Parameters
    ----------
    a : array_like, shape (..., 2N, 2N)
        Square matrices of even order, real or complex.

    Returns
    -------
    ndarray, shape (..., 2N, 2N)
        The duals: float for a real ``a``, complex for a complex one.

    Raises
    ------
    ValueError
        When ``a`` is not a (batch of) square matrices of even order.

    Notes
    -----
    With Z = I_N (x) [[0, 1], [-1, 0]] (bristol 0.2.14's ``unit_symplectic(N)``), the dual of
    a 2 x 2 block [[p, q], [r, s]] in block position (j, k) is [[s, -q], [-r, p]] in block
    position (k, j). Computed by index permutation and sign changes, exactly. A matrix is
    self-dual when a^R = a (docs/theory.md, section 1.3).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import quaternion_dual
    >>> quaternion_dual(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[ 4., -2.],
           [-3.,  1.]])
    >>> a = np.arange(16.0).reshape(4, 4)
    >>> bool(np.array_equal(quaternion_dual(quaternion_dual(a)), a))
    True
    """
    a = np.asarray(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or a.shape[-1] % 2:
        raise ValueError(f"a must be a (batch of) 2N x 2N matrices, got shape {a.shape}")
    m = a.shape[-1]
    swap = np.arange(m) ^ 1  # 0<->1, 2<->3, ...
    sign = np.where(np.arange(m) % 2 == 0, 1.0, -1.0)  # Z e_{2k+1} = e_{2k}, Z e_{2k} = -e_{2k+1}
    at = np.swapaxes(a, -1, -2)
    return (sign[:, None] * sign[None, :]) * at[..., swap[:, None], swap[None, :]]


def _sample(n: int, size: SizeLike, random_state: RandomState, device: DeviceLike, kind: str) -> Any:
    """U, U^T U or U^R U (kind 'cue', 'coe', 'cse'; U of size n, n, 2n) on the CPU or a device."""
    n = check_int("n", n)
    dim = 2 * n if kind == "cse" else n
    shape = check_size(size, (dim, dim))
    rng = as_generator(random_state)
    u: Any
    if device is None:
        check_memory(f"{kind}(n={n}, size={size!r})", HAAR_WORK_ARRAYS * _COMPLEX_BYTES * math.prod(shape) * dim * dim)
        u = _haar_unitary(dim, shape, rng)
        dual: Any = quaternion_dual
    else:
        u = _device.haar_unitary(dim, shape, rng, device=device)
        dual = _device.quaternion_dual
    if kind == "cue":
        return u
    if kind == "coe":
        return u.transpose(-1, -2) @ u if device is not None else np.swapaxes(u, -1, -2) @ u
    return dual(u) @ u


@overload
def cue(
    n: int, size: SizeLike = ..., random_state: RandomState = ..., *, device: None = ...
) -> NDArray[np.complex128]:
    ...


@overload
def cue(
    n: int, size: SizeLike = ..., random_state: RandomState = ..., *, device: str | TorchDevice
) -> Tensor:
    ...


def cue(
    n: int, size: SizeLike = None, random_state: RandomState = None, *, device: DeviceLike = None
) -> NDArray[np.complex128] | Tensor:
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
        about ``HAAR_WORK_ARRAYS`` x 16 n^2 bytes per matrix, exceeds the machine's memory.
    TypeError
        For a non-integer n or size, or a random_state of another type.
    ImportError, RuntimeError
        For a ``device`` without torch, or a CUDA device without CUDA.

    See Also
    --------
    coe, cse : the orthogonal and symplectic ensembles built from it.
    circular_eigphases : the eigenphases alone, for any beta > 0, in O(N^2).

    Notes
    -----
    Mezzadri's algorithm (docs/theory.md, section 1.1): QR-factorise a complex Ginibre matrix
    Z = QR; LAPACK leaves the phases of diag(R) arbitrary, and U = Q diag(r_jj / ``|r_jj|``) is the
    unique factor with a positive diagonal of R, which is Haar-distributed on U(N).

    References
    ----------
    .. [1] F. Mezzadri, "How to generate random matrices from the classical compact groups",
       Notices Amer. Math. Soc. 54, 592-604 (2007), arXiv:math-ph/0609050.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import cue
    >>> u = cue(4, size=3, random_state=0)
    >>> u.shape
    (3, 4, 4)
    >>> bool(np.allclose(u @ u.conj().swapaxes(-1, -2), np.eye(4)))
    True
    >>> bool(np.array_equal(u, cue(4, size=3, random_state=0)))
    True
    """
    return _sample(n, size, random_state, device, "cue")


@overload
def coe(
    n: int, size: SizeLike = ..., random_state: RandomState = ..., *, device: None = ...
) -> NDArray[np.complex128]:
    ...


@overload
def coe(
    n: int, size: SizeLike = ..., random_state: RandomState = ..., *, device: str | TorchDevice
) -> Tensor:
    ...


def coe(
    n: int, size: SizeLike = None, random_state: RandomState = None, *, device: DeviceLike = None
) -> NDArray[np.complex128] | Tensor:
    """Sample the circular orthogonal ensemble: S = U^T U with U Haar on U(n).

    Parameters
    ----------
    n, size, random_state, device
        As in :func:`cue`.

    Returns
    -------
    ndarray (or torch tensor with ``device``), complex, shape ``size + (n, n)``
        Symmetric unitary matrices.

    Raises
    ------
    ValueError, TypeError, ImportError, RuntimeError
        As :func:`cue`.

    Notes
    -----
    S is symmetric and unitary; its law is invariant under S -> W^T S W for unitary W, which
    characterises the COE (Dyson index beta = 1; docs/theory.md, section 1.2).

    References
    ----------
    .. [1] F. Mezzadri, Notices Amer. Math. Soc. 54, 592-604 (2007).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import coe
    >>> s = coe(5, random_state=1)
    >>> s.shape, bool(np.allclose(s, s.T)), bool(np.allclose(s @ s.conj().T, np.eye(5)))
    ((5, 5), True, True)
    """
    return _sample(n, size, random_state, device, "coe")


@overload
def cse(
    n: int, size: SizeLike = ..., random_state: RandomState = ..., *, device: None = ...
) -> NDArray[np.complex128]:
    ...


@overload
def cse(
    n: int, size: SizeLike = ..., random_state: RandomState = ..., *, device: str | TorchDevice
) -> Tensor:
    ...


def cse(
    n: int, size: SizeLike = None, random_state: RandomState = None, *, device: DeviceLike = None
) -> NDArray[np.complex128] | Tensor:
    """Sample the circular symplectic ensemble of size N as 2N x 2N matrices Q = U^R U.

    Parameters
    ----------
    n : int
        Number of quaternion dimensions N >= 1; the matrices are 2N x 2N.
    size, random_state, device
        As in :func:`cue`.

    Returns
    -------
    ndarray (or torch tensor with ``device``), complex, shape ``size + (2n, 2n)``
        Self-dual unitary matrices.

    Raises
    ------
    ValueError, TypeError, ImportError, RuntimeError
        As :func:`cue`.

    Notes
    -----
    U is Haar on U(2N) and U^R its quaternion dual (:func:`quaternion_dual`). Q is unitary and
    self-dual (Q^R = Q); its eigenvalues come in degenerate Kramers pairs, so it has N
    distinct eigenphases (:func:`kramers_phases`; docs/theory.md, section 1.3).

    References
    ----------
    .. [1] F. Mezzadri, Notices Amer. Math. Soc. 54, 592-604 (2007).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import cse, quaternion_dual
    >>> q = cse(3, random_state=2)
    >>> q.shape, bool(np.allclose(quaternion_dual(q), q))
    ((6, 6), True)
    """
    return _sample(n, size, random_state, device, "cse")


def unitary_eigphases(u: ArrayLike) -> NDArray[np.float64]:
    """Eigenphases in (-pi, pi], sorted ascending, of (a batch of) unitary matrices.

    Parameters
    ----------
    u : array_like, shape (..., N, N)
        Unitary matrices (not checked).

    Returns
    -------
    ndarray of float, shape (..., N)
        ``angle`` of the eigenvalues (``numpy.linalg.eigvals``), ascending.

    Raises
    ------
    numpy.linalg.LinAlgError
        For an array that is not a (batch of) square matrices.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import unitary_eigphases
    >>> phases = unitary_eigphases(np.diag(np.exp(1j * np.array([2.0, -1.0, 0.5]))))
    >>> [round(float(p), 6) for p in phases]
    [-1.0, 0.5, 2.0]
    """
    return np.sort(np.angle(np.linalg.eigvals(np.asarray(u))), axis=-1)


def kramers_phases(phases: ArrayLike) -> NDArray[np.float64]:
    """Reduce 2N eigenphases that come in degenerate pairs to the N distinct ones.

    Parameters
    ----------
    phases : array_like, shape (..., 2N)
        Eigenphases sorted ascending in (-pi, pi], e.g. :func:`unitary_eigphases` of
        :func:`cse` matrices.

    Returns
    -------
    ndarray of float, shape (..., N)
        One phase per pair, sorted ascending in (-pi, pi].

    Raises
    ------
    ValueError
        For an odd number of phases per matrix.

    Notes
    -----
    A pair may straddle the cut at -pi/pi, so the list is first rotated to start after its
    widest gap (a gap between two pairs, never inside one); each pair is then replaced by
    its circular mean.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import cse, kramers_phases, unitary_eigphases
    >>> kramers_phases(unitary_eigphases(cse(4, size=2, random_state=3))).shape
    (2, 4)
    >>> [round(float(p), 6) for p in kramers_phases([-3.14159, 0.5, 0.5, 3.14159])]
    [0.5, 3.14159]
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
