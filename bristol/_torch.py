"""The one place where bristol looks for torch, and what ``device=`` means.

torch is optional: ``pip install 'bristol[torch]'`` adds it. Everything except cPSE of
PyTorch models and the ``device=`` arguments runs on numpy alone, and ``import bristol``
never imports torch.

``device=``
-----------
Every bristol function with a ``device`` parameter takes it as a keyword argument with the
same meaning: ``None`` (the default) runs the linear algebra with numpy / scipy on the CPU; a
torch device (``"cpu"``, ``"cuda"``, ``"cuda:1"``, a ``torch.device``) runs it with torch on
that device (needs torch; a CUDA device on a machine without CUDA is a RuntimeError, a string
that names no device a ValueError). Results that are arrays -- the matrices of
:func:`bristol.ensembles.cue`, :func:`~bristol.ensembles.coe`, :func:`~bristol.ensembles.cse`
and the phases and eigenvalues of :func:`~bristol.ensembles.circular_eigphases` and
:func:`~bristol.ensembles.circular_eigvals` -- are then torch tensors on that device; results
that are not arrays (cPSE's list of d_l values and its float) are the same Python objects as
without a device, which then only chooses where the work runs.
"""
from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import TYPE_CHECKING, Union

import numpy as np

if TYPE_CHECKING:  # torch is optional: only the type checker imports it, here for all of bristol
    from torch import Generator as TorchGenerator  # noqa: F401 (for the type hints of the other modules)
    from torch import Tensor
    from torch import device as TorchDevice

__all__ = ["installed_torch", "require_torch", "resolve_device", "to_device", "INSTALL_HINT", "DeviceLike"]

#: What a ``device=`` argument accepts: None (numpy on the CPU) or a torch device or its name.
DeviceLike = Union[None, str, "TorchDevice"]

#: How to install torch for bristol.
INSTALL_HINT = "pip install 'bristol[torch]'"


def installed_torch() -> ModuleType | None:
    """torch if it is installed and imports, else None.

    The answer depends on the installation alone, never on what the caller happened to
    import before.

    Returns
    -------
    module or None
        The ``torch`` module, or None without torch.

    Examples
    --------
    >>> from bristol._torch import installed_torch
    >>> torch = installed_torch()
    >>> torch is None or torch.__name__ == "torch"
    True
    """
    if importlib.util.find_spec("torch") is None:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


def require_torch(what: str) -> ModuleType:
    """torch, or an ImportError saying that ``what`` needs it and how to install it.

    Parameters
    ----------
    what : str
        What needs torch, for the message (e.g. ``"cPSE on PyTorch models"``).

    Returns
    -------
    module
        The ``torch`` module.

    Raises
    ------
    ImportError
        Without torch; the message names ``what`` and :data:`INSTALL_HINT`.
    """
    torch = installed_torch()
    if torch is None:
        raise ImportError(f"{what} needs torch: {INSTALL_HINT}")
    return torch


def resolve_device(device: DeviceLike) -> TorchDevice:
    """``device`` as a ``torch.device`` (see the module docstring for what ``device=`` means).

    Parameters
    ----------
    device : str or torch.device
        A torch device or its name, e.g. ``"cpu"``, ``"cuda"``, ``"cuda:1"``.

    Returns
    -------
    torch.device

    Raises
    ------
    ImportError
        torch is not installed.
    ValueError
        ``device`` names no torch device.
    RuntimeError
        A CUDA device is asked for and CUDA is not available.
    """
    torch = require_torch(f"device={device!r}")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must name a torch device such as 'cpu' or 'cuda', got {device!r}") from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device={device!r} needs CUDA, but torch.cuda.is_available() is False on this machine")
    return dev


def to_device(values: np.ndarray, device: DeviceLike) -> np.ndarray | Tensor:
    """``values`` (a numpy array) as a torch tensor on ``device``, or unchanged for ``device=None``.

    The array results of the functions with a ``device`` parameter go through here.

    Parameters
    ----------
    values : ndarray
        The result computed with numpy.
    device : None, str or torch.device
        None returns ``values`` itself; otherwise as in :func:`resolve_device`.

    Returns
    -------
    ndarray or torch.Tensor

    Raises
    ------
    ImportError, ValueError, RuntimeError
        As :func:`resolve_device`.

    Examples
    --------
    >>> import numpy as np
    >>> from bristol._torch import to_device
    >>> x = np.arange(3.0)
    >>> to_device(x, None) is x
    True
    """
    if device is None:
        return values
    torch = require_torch(f"device={device!r}")
    return torch.as_tensor(values, device=resolve_device(device))
