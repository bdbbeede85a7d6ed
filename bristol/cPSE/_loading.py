"""The ``model`` argument of cPSE: a module, a torchvision model name, a state_dict or a file.

:func:`resolve_model` turns any of them into a ``torch.nn.Module``. Files are read with
``torch.load(weights_only=True)`` (tensors and containers only, no code from the file) unless
``allow_pickle=True`` is given for a trusted file.
"""
from __future__ import annotations

import contextlib
import difflib
import functools
import json
import os
import pickle
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._torch import require_torch

__all__ = ["resolve_model"]

#: What needs torch, for the ImportError without it.
NEEDS_TORCH = "cPSE on PyTorch models"


def resolve_model(model: Any, weights: str | None = None, arch: Any = None, *, allow_pickle: bool = False) -> Any:
    """Return a ``torch.nn.Module`` from a module, a torchvision model name, a state_dict or a
    file saved with ``torch.save``.

    Parameters
    ----------
    model : torch.nn.Module, str, os.PathLike or mapping
        * a ``torch.nn.Module``: used as it is;
        * a ``str`` that is a torchvision model name (e.g. "resnet50"): that model, built with
          ``torchvision.models.get_model(name, weights=weights)``, even if a file of that name
          exists (a name never resolves to a file: pass ``"./resnet50"`` or a ``Path`` for it);
        * any other ``str``, or an ``os.PathLike``: the path of a file saved with
          ``torch.save``, holding a state_dict (loaded into ``arch``) or, with
          ``allow_pickle=True`` only, a whole module;
        * a mapping (state_dict): loaded into ``arch``.
    weights : str, optional
        torchvision weights for a model name: None (random init), "DEFAULT" or a weight name
        of that model (downloads them: needs network access). Only with a model name.
    arch : str or torch.nn.Module, optional
        The torchvision model name or module a state_dict is loaded into. Only with a
        state_dict (or a file holding one).
    allow_pickle : bool, default False
        Files are read with ``torch.load(weights_only=True)``, which reads tensors and
        containers only and never runs code from the file. A file that needs full unpickling
        (a whole module saved with ``torch.save(model)``) is refused unless
        ``allow_pickle=True``: that executes code from the file, so use it for trusted files
        only (numpy's ``np.load(allow_pickle=...)`` convention).

    Returns
    -------
    torch.nn.Module
        The model (``model`` itself when it is a module).

    Raises
    ------
    ImportError
        torch is not installed.
    ValueError
        No such file, an unknown model name, a file that cannot be read (or needs
        ``allow_pickle``), a state_dict without ``arch`` or that does not fit it, unknown
        ``weights``, or ``weights`` / ``arch`` given where they would be ignored.
    TypeError
        ``model``, ``arch`` or ``allow_pickle`` of the wrong type, or a state_dict holding
        other values than tensors.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 2))
    >>> resolve_model(net) is net
    True
    >>> type(resolve_model(net.state_dict(), arch=torch.nn.Sequential(torch.nn.Linear(4, 2)))).__name__
    'Sequential'
    >>> resolve_model("no-such-model")
    Traceback (most recent call last):
    ...
    ValueError: unknown model name 'no-such-model': ...
    """
    torch = require_torch(NEEDS_TORCH)
    if not isinstance(allow_pickle, bool):
        raise TypeError(f"allow_pickle must be True or False, got {allow_pickle!r}")
    if isinstance(model, torch.nn.Module):
        _refuse_ignored(weights, arch, "a module")
        return model
    if isinstance(model, str) and model in _torchvision_names():
        _refuse_ignored(None, arch, f"the torchvision model {model!r}")
        return _torchvision_model(model, weights)
    if isinstance(model, (str, os.PathLike)):
        path = _existing_file(model)
        loaded = _load_file(path, allow_pickle)
        if isinstance(loaded, torch.nn.Module):
            _refuse_ignored(weights, arch, f"the module saved in {str(path)!r}")
            return loaded
        if isinstance(loaded, Mapping):
            return _load_state_dict(loaded, weights, arch, f" in {str(path)!r}")
        raise ValueError(f"{str(path)!r} holds a {type(loaded).__name__}, not a torch.nn.Module or a state_dict")
    if isinstance(model, Mapping):
        return _load_state_dict(model, weights, arch, "")
    raise TypeError(f"model must be a torch.nn.Module, a torchvision model name, a state_dict or a file path, "
                    f"got {type(model).__name__}")


def _refuse_ignored(weights, arch, what: str) -> None:
    if arch is not None:
        raise ValueError(f"arch (--arch) is only for loading a state_dict; model is {what}, so it would be ignored")
    if weights is not None:
        raise ValueError(f"weights (--weights) is only for a torchvision model name; model is {what}, "
                         "so it would be ignored")


@functools.cache
def _torchvision_names() -> frozenset:
    """The torchvision model names (empty without torchvision)."""
    try:
        import torchvision
    except ImportError:
        return frozenset()
    return frozenset(torchvision.models.list_models())


def _torchvision_model(name: str, weights):
    import torchvision

    try:
        weights = torchvision.models.get_model_weights(name).verify(weights)
    except (KeyError, TypeError, ValueError) as err:
        known = ", ".join(["DEFAULT"] + [w.name for w in torchvision.models.get_model_weights(name)])
        raise ValueError(f"weights must be None or a weight name of {name} ({known}), got {weights!r}") from err
    return torchvision.models.get_model(name, weights=weights)


def _existing_file(model) -> Path:
    """``model`` as the path of an existing regular file, or a ValueError saying what it is not."""
    text = os.fspath(model)
    if not isinstance(text, str):
        raise TypeError(f"model must be a str path, got a path of {type(text).__name__}")
    if not os.path.exists(text):
        names = sorted(_torchvision_names())
        if isinstance(model, str) and re.fullmatch(r"[\w-]+", model):
            close = difflib.get_close_matches(model, names, n=3)
            examples = ", ".join(names[:6]) or "none: torchvision is not installed"
            hint = f"did you mean {', '.join(close)}?" if close else f"e.g. {examples}"
            raise ValueError(f"unknown model name {model!r}: not a torchvision model name ({hint}) "
                             "and no file of that name")
        raise ValueError(f"no such file: {text!r}")
    if not os.path.isfile(text):
        raise ValueError(f"not a regular file: {text!r}")
    return Path(text)


def _load_file(path: Path, allow_pickle: bool, mmap: bool = False):
    """``torch.load`` of ``path`` to the CPU; weights only unless ``allow_pickle``; with ``mmap``
    the tensors of a zip-format file stay on disk (memory-mapped) until read (an older,
    non-zip file is read whole). Every failure becomes a ValueError that names the file."""
    torch = require_torch(NEEDS_TORCH)
    try:
        return torch.load(path, map_location="cpu", weights_only=not allow_pickle,
                          mmap=mmap and zipfile.is_zipfile(path))
    except Exception as err:  # torch.load of user data fails in many ways (zip, EOF, OSError, unpickled code)
        text = str(err)
        if not allow_pickle and (isinstance(err, pickle.UnpicklingError) or "weights_only" in text):
            found = re.search(r"GLOBAL ([\w.]+)", text)
            what = (f"it refers to the Python object {found.group(1)} "
                    "(a whole module saved with torch.save(model) does)"
                    if found else "it is a TorchScript archive" if "TorchScript" in text
                    else "it is not a torch.save file of tensors (or it is corrupt)")
            raise ValueError(f"{str(path)!r} cannot be read as weights only: {what}. Reading it in full executes "
                             "code from the file: pass allow_pickle=True (--allow-pickle on the command line) only "
                             "if you trust it; a state_dict (torch.save(model.state_dict())) needs no opt-in") from err
        raise ValueError(f"cannot read a torch model or state_dict from {str(path)!r}: "
                         f"{type(err).__name__}: {_first_line(err)}") from err


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"


def check_state_dict(state_dict: Mapping, source: str) -> None:
    """Refuse a state_dict whose keys are not all str or whose values are not all tensors
    (``_extra_state`` entries excepted); ``source`` names the file in the message, if any."""
    torch = require_torch(NEEDS_TORCH)
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(f"the state_dict{source} must have str keys, got the key {key!r}")
        if not isinstance(value, torch.Tensor) and not key.endswith("_extra_state"):
            raise TypeError(f"the state_dict{source} maps {key!r} to a {type(value).__name__} value, not a tensor "
                            "(a training checkpoint? pass its model state_dict)")


#: What ``arch`` may be, for the messages that refuse it.
ARCH_KINDS = ("a torchvision model name, a timm model name, a Hugging Face model folder (with config.json) "
              "or a torch.nn.Module")


def build_arch(arch: Any, *, device: str | None = None) -> Any:
    """The module ``arch`` names, built with random weights (on ``device``, e.g. "meta" for its
    structure alone, without memory for the weights): a torchvision model name, a timm model
    name (timm installed), a folder holding a transformers ``config.json``, or a module
    (returned as it is)."""
    torch = require_torch(NEEDS_TORCH)
    if isinstance(arch, torch.nn.Module):
        return arch
    if not isinstance(arch, (str, os.PathLike)):
        raise TypeError(f"arch must be {ARCH_KINDS}, got {type(arch).__name__}")
    text = os.fspath(arch)
    with torch.device(device) if device is not None else contextlib.nullcontext():
        if isinstance(arch, str) and arch in _torchvision_names():
            return _torchvision_model(arch, None)
        if isinstance(text, str) and os.path.isfile(os.path.join(text, "config.json")):
            return transformers_model(Path(text))
        timm = _timm()
        if isinstance(arch, str) and timm is not None and timm.is_model(arch):
            return timm.create_model(arch, pretrained=False)
    raise ValueError(f"arch must be {ARCH_KINDS}, got {text!r}")


def _timm():
    try:
        import timm
    except ImportError:
        return None
    return timm


#: config.json files larger than this are refused unread (real ones are a few KiB).
MAX_CONFIG_BYTES = 16 * 2**20


def read_json_file(path: Path, what: str, max_bytes: int) -> Any:
    """The JSON value in ``path`` (at most ``max_bytes``); a ValueError naming the file (as ``what``)
    if it is larger, unreadable or not JSON."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as err:
        raise ValueError(f"cannot read {what} {str(path)!r}: {err.strerror or err}") from None
    if len(raw) > max_bytes:
        raise ValueError(f"{what} {str(path)!r} is larger than {max_bytes} bytes: not a {what}")
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ValueError(f"{what} {str(path)!r} is not valid JSON: {_first_line(err)}") from None


def transformers_model(folder: Path) -> Any:
    """The transformers model that ``folder/config.json`` describes, with random weights on the
    current default device: the class named first in its ``architectures`` (AutoModel if
    none), never code from the folder (``trust_remote_code=False``)."""
    config_path = folder / "config.json"
    try:
        import transformers
    except ImportError as err:
        raise ImportError(f"building the model of {str(config_path)!r} needs transformers: "
                          "pip install 'bristol[hf]'") from err
    config_dict = read_json_file(config_path, "config.json", MAX_CONFIG_BYTES)
    if not isinstance(config_dict, dict):
        raise ValueError(f"config.json {str(config_path)!r} holds a {type(config_dict).__name__}, not a JSON object")
    try:
        config = transformers.AutoConfig.from_pretrained(str(folder), trust_remote_code=False, local_files_only=True)
    except Exception as err:  # transformers reports unknown model types, remote code, bad fields in many ways
        raise ValueError(f"config.json {str(config_path)!r} is not a configuration transformers "
                         f"{transformers.__version__} can build: {type(err).__name__}: {_first_line(err)}") from None
    names = list(getattr(config, "architectures", None) or [])
    cls = getattr(transformers, names[0], None) if names and isinstance(names[0], str) else None
    if names and not (isinstance(cls, type) and issubclass(cls, transformers.PreTrainedModel)):
        raise ValueError(f"config.json {str(config_path)!r} names the architecture {names[0]!r}, which transformers "
                         f"{transformers.__version__} does not define (custom code is never run)")
    try:
        return cls._from_config(config) if cls is not None else transformers.AutoModel.from_config(config)
    except Exception as err:  # a configuration transformers accepts but cannot build a model from
        raise ValueError(f"cannot build the model of config.json {str(config_path)!r}: "
                         f"{type(err).__name__}: {_first_line(err)}") from None


def _load_state_dict(state_dict: Mapping, weights, arch, source: str):
    """A new module of ``arch`` with ``state_dict`` loaded (``source`` names the file, if any)."""
    if weights is not None:
        raise ValueError(f"weights (--weights) is only for a torchvision model name; a state_dict{source} brings "
                         "its own weights")
    if arch is None:
        raise ValueError(f"a state_dict{source} needs arch=NAME (--arch on the command line), the model name, "
                         "folder or module to load it into")
    check_state_dict(state_dict, source)
    net = build_arch(arch)
    try:
        net.load_state_dict(state_dict)
    except RuntimeError as err:
        detail = " ".join(str(err).split())
        raise ValueError(f"the state_dict{source} does not fit arch={arch_label(arch)}: "
                         f"{detail[:400]}{' ...' if len(detail) > 400 else ''}") from err
    return net


def arch_label(arch: Any) -> str:
    """``arch`` as messages name it: the name or folder, or the module's class."""
    return os.fspath(arch) if isinstance(arch, (str, os.PathLike)) else type(arch).__name__
