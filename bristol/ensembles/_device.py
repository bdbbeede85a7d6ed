"""The circular ensembles' linear algebra on a torch device (``device=``, see :mod:`bristol._torch`).

torch is imported inside the functions, which only run when a ``device`` is given.

* Dense circular matrices: the Ginibre draws come from a ``torch.Generator`` on the device,
  seeded from the caller's numpy stream, then a batched QR with the phase fix (and U^T U or
  the quaternion dual product) runs there. Exact in law; bit-reproducible for a given seed on
  a given device (not across devices: the random streams differ).
* CMV eigenphases: the Verblunsky coefficients are drawn with numpy exactly as on the CPU
  path; the three Hermitian parts are solved densely on the device (``torch.linalg.eigvalsh``)
  and combined on the CPU by :func:`bristol.ensembles._cmv.phases_from_projections`, so the result equals
  the CPU path up to eigen-solver rounding.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .._banded import matrix_from_diagonals
from .._torch import DeviceLike, require_torch, resolve_device

if TYPE_CHECKING:
    from .._torch import Tensor, TorchDevice, TorchGenerator

__all__ = ["haar_unitary", "quaternion_dual", "hermitian_part_eigvalsh"]

#: What needs torch, for the ImportError without it.
NEEDS_TORCH = "device="
#: Complex entries of the dense matrices sent to the device at once by :func:`hermitian_part_eigvalsh`
#: (2**27 entries: 2 GiB of complex128).
MAX_DEVICE_ENTRIES = 2**27
#: Exclusive upper bound of the seed of the device's torch generator (torch seeds are int64).
_TORCH_SEED_BOUND = 2**63 - 1


def _generator(dev: TorchDevice, rng: np.random.Generator) -> TorchGenerator:
    """A torch generator on ``dev`` seeded by one draw from ``rng``."""
    torch = require_torch(NEEDS_TORCH)

    gen = torch.Generator(device=dev)
    gen.manual_seed(int(rng.integers(0, _TORCH_SEED_BOUND)))
    return gen


def haar_unitary(n: int, shape: tuple[int, ...], rng: np.random.Generator, *, device: DeviceLike) -> Tensor:
    """Haar unitaries (torch, complex128) of shape ``shape + (n, n)`` on ``device``.

    Mezzadri's QR with the phase fix, as :func:`bristol.ensembles.cue` on the CPU; the Ginibre
    draws come from a torch generator seeded by one draw from ``rng``.

    Parameters
    ----------
    n : int
        Matrix order (checked by the caller).
    shape : tuple of int
        Batch shape.
    rng : numpy.random.Generator
        Seeds the device's torch generator (one draw).
    device : str or torch.device, keyword-only
        Where the draws and the QR run (:func:`bristol._torch.resolve_device`).

    Returns
    -------
    torch.Tensor
        complex128, shape ``shape + (n, n)``, on ``device``.
    """
    torch = require_torch(NEEDS_TORCH)

    dev = resolve_device(device)
    z = torch.randn(shape + (n, n), dtype=torch.complex128, device=dev, generator=_generator(dev, rng))
    q, r = torch.linalg.qr(z)
    d = torch.diagonal(r, dim1=-2, dim2=-1)
    return q * (d / d.abs()).unsqueeze(-2)


def quaternion_dual(a: Tensor) -> Tensor:
    """Z a^T Z^T for a torch tensor of 2N x 2N matrices (see :func:`bristol.ensembles.quaternion_dual`).

    Parameters
    ----------
    a : torch.Tensor, shape (..., 2N, 2N)
        Matrices of even order (not checked).

    Returns
    -------
    torch.Tensor
        The duals, on the device of ``a``.
    """
    torch = require_torch(NEEDS_TORCH)

    m = a.shape[-1]
    swap = torch.arange(m, device=a.device) ^ 1
    sign = torch.where(torch.arange(m, device=a.device) % 2 == 0, 1.0, -1.0).to(a.dtype)
    at = a.transpose(-1, -2)[..., swap, :][..., :, swap]
    return sign[:, None] * sign[None, :] * at


def hermitian_part_eigvalsh(
    diags: dict[int, np.ndarray], phis: Sequence[float] | NDArray[np.float64], *, device: DeviceLike,
    max_entries: int = MAX_DEVICE_ENTRIES,
) -> NDArray[np.float64]:
    """Sorted eigenvalues of H_phi = (e^{-i phi} C + h.c.)/2 for every phi and every matrix of
    a batch of pentadiagonal C given by its diagonals: numpy array (batch, len(phis), n).

    Parameters
    ----------
    diags : dict of int to ndarray
        Offsets -2..2 -> diagonals of shape (batch, n - |offset|) (numpy).
    phis : sequence of float
        The directions phi.
    device : str or torch.device, keyword-only
        Where the dense Hermitian eigenvalue problems run.
    max_entries : int, default ``MAX_DEVICE_ENTRIES``
        The batch goes to the device in blocks of at most this many matrix entries (at least
        one matrix).

    Returns
    -------
    ndarray of float, shape (batch, len(phis), n)
        Eigenvalues ascending along the last axis, on the CPU.
    """
    torch = require_torch(NEEDS_TORCH)

    dev = resolve_device(device)
    n = diags[0].shape[-1]
    batch = diags[0].shape[0]
    step = max(1, max_entries // (n * n))
    out = np.empty((batch, len(phis), n))
    for start in range(0, batch, step):
        part = {k: v[start: start + step] for k, v in diags.items()}
        c = torch.as_tensor(matrix_from_diagonals(part), device=dev)
        for j, phi in enumerate(phis):
            rot = complex(np.exp(-1j * phi))
            h = 0.5 * (rot * c + np.conj(rot) * c.conj().transpose(-1, -2))
            out[start: start + step, j] = torch.linalg.eigvalsh(h).cpu().numpy()
    return out
