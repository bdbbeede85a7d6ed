"""Checkpoints on disk as cPSE input, read tensor by tensor (needs torch).

What is read
------------
* a ``.safetensors`` file, parsed by bristol's own reader (the ``safetensors`` package is not
  needed): an 8-byte little-endian header length, a JSON header of dtypes, shapes and byte
  ranges, then the data. Every entry is checked against the file before anything is read;
  a tensor is read with one seek and ``readinto`` into a buffer of exactly its size;
* a sharded set: ``model.safetensors.index.json`` (or ``pytorch_model.bin.index.json``),
  given as the index file or its folder; every shard must be a plain file inside that
  folder (no ``..``, no absolute path, no symbolic link leading out of it, except, in the
  Hugging Face cache's ``<repo>/snapshots/<revision>`` folders, into ``<repo>/blobs``);
* a Hugging Face model folder: ``config.json`` and ``model.safetensors``, a sharded index,
  or ``pytorch_model.bin``;
* a ``torch.save`` state_dict, loaded with ``weights_only=True`` and ``mmap=True``: its
  tensors stay on disk until read (files in torch's pre-1.6 non-zip format are read whole).

Which layers, in which order
----------------------------
The layer policy (:func:`bristol.cPSE._layers.plan_layer_matrices`) runs on a definition of
the model built on the meta device (no memory for weights): ``arch`` (a torchvision or timm
model name, a Hugging Face model folder, or a module), else the folder's ``config.json``
through transformers (the class named in ``architectures``, or ``AutoModel``; never code
from the folder). Each matrix is then a :class:`bristol.cPSE._pse.LazyMatrix` that reads its
source tensors from the file when its spectrum is computed, so the result equals the
in-memory model's (same policy, same order, same dtype) and memory holds a few layers at a
time.

A tensor the policy needs must be in the file under its name or under the name of a
parameter tied to it (a tied ``lm_head.weight`` saved only as the embedding); a tensor of
two or more dimensions in the file that the definition does not have means the definition is
not the checkpoint's model: both are a ValueError listing the names. Other differences (a
bias or buffer missing, a 1-D extra) are ignored.

When a transformers definition's names are not the file's, transformers' own conversion rules
for the model (``get_model_conversion_mapping``, applied as ``from_pretrained`` applies them)
map the file's tensors to the parameters: renamed keys, a base-model prefix added or dropped,
per-expert tensors merged into fused 3-D parameters. A matrix of one expert then reads only
that expert's tensors; other conversions run on one layer's tensors at a time. The result is
that of the model ``from_pretrained`` loads from the folder.

A bitsandbytes-quantized checkpoint (4-bit with its quant state, 8-bit with its row scales
``SCB``), as transformers saves it, is read with bitsandbytes installed: each weight is
dequantized by bitsandbytes' own functions, as the module ``from_pretrained`` loads is read,
its quant state checked against its codes first. Any other quantized checkpoint
(``quantization_config`` in config.json, or tensor names only quantized checkpoints use:
GPTQ / AWQ, fp8 scales, torchao) is refused with a ValueError naming the method: load it with
its quantization library and pass the module.

Without a definition (no ``arch``, no ``config.json`` or no transformers), the layers are the
floating-point tensors of two or more dimensions, in the natural order of their names
(numbers compared as numbers: ``layers.2`` before ``layers.10``), each as stored:
``shape[0] x prod(shape[1:])``, no transpose (the file does not say which tensor is an
embedding or a transformers ``Conv1D``); a warning says so. Tensors stored twice under two
names (tied weights in a ``torch.save`` file) enter once.

Every problem with a file -- a malformed header, a byte range outside the file or
overlapping another, a declared size that does not match, an index naming files outside its
folder or missing ones, a tensor in two shards, a non-floating tensor the policy needs, a
``config.json`` that is not JSON or names an unknown architecture -- is a ValueError naming
the file (and the tensor); nothing is allocated before the declared sizes are checked against
the file.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import importlib.util
import json
import math
import os
import re
import struct
import sys
import warnings
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from .._torch import require_torch
from ._layers import LayerMatrix, SkippedWeight, _as_rows, _select, plan_layer_matrices
from ._loading import (
    MAX_CONFIG_BYTES,
    NEEDS_TORCH,
    _load_file,
    _torchvision_names,
    arch_label,
    build_arch,
    check_state_dict,
    read_json_file,
    resolve_model,
    transformers_model,
)
from ._pse import LazyMatrix

__all__ = [
    "Checkpoint",
    "TensorEntry",
    "checkpoint_matrices",
    "is_checkpoint_path",
    "is_torch_file",
    "natural_key",
    "open_checkpoint",
    "parse_safetensors_header",
    "read_safetensors_header",
]

#: safetensors dtype codes: (torch dtype name, bytes per element).
SAFETENSORS_DTYPES = {
    "F64": ("float64", 8), "F32": ("float32", 4), "F16": ("float16", 2), "BF16": ("bfloat16", 2),
    "F8_E4M3": ("float8_e4m3fn", 1), "F8_E5M2": ("float8_e5m2", 1), "C64": ("complex64", 8),
    "I64": ("int64", 8), "I32": ("int32", 4), "I16": ("int16", 2), "I8": ("int8", 1),
    "U64": ("uint64", 8), "U32": ("uint32", 4), "U16": ("uint16", 2), "U8": ("uint8", 1), "BOOL": ("bool", 1),
}
#: Largest safetensors header read (the safetensors library's own limit).
MAX_HEADER_BYTES = 100_000_000
#: Largest index.json read.
MAX_INDEX_BYTES = 64 * 2**20
#: File names of a Hugging Face model folder, in the order they are looked for.
HF_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                   "pytorch_model.bin.index.json")
_SAFETENSORS_SUFFIX = ".safetensors"
_INDEX_SUFFIX = ".index.json"


@dataclasses.dataclass(frozen=True)
class TensorEntry:
    """Where one tensor of a checkpoint lies.

    Attributes
    ----------
    name : str
        The tensor's name (state_dict key).
    file : pathlib.Path
        The file holding it.
    dtype : str
        The torch dtype's name (``"bfloat16"``).
    shape : tuple of int
        Its shape.
    start : int
        Byte offset of its data in a safetensors file (-1 for a torch.save file).
    nbytes : int
        Its size in bytes.
    tensor : torch.Tensor or None
        A torch.save file's memory-mapped tensor (None for safetensors).
    """

    name: str
    file: Path
    dtype: str
    shape: tuple[int, ...]
    start: int = -1
    nbytes: int = 0
    tensor: Any = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def where(self) -> str:
        return f"tensor {self.name!r} in {str(self.file)!r}"


# --- safetensors ------------------------------------------------------------------------------

def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the JSON object names {key!r} twice")
        out[key] = value
    return out


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def parse_safetensors_header(header: bytes, data_size: int, label: str = "<header>") -> dict[str, tuple]:
    """Validate a safetensors JSON header against the size of the data that follows it.

    Parameters
    ----------
    header : bytes
        The JSON header (the bytes after the 8-byte length).
    data_size : int
        Bytes of data after the header in the file.
    label : str, default "<header>"
        The file's name, for the messages.

    Returns
    -------
    dict
        Tensor name -> (dtype code, shape tuple, begin, end), byte offsets into the data, in
        the header's order; ``__metadata__`` is checked (str -> str) and left out.

    Raises
    ------
    ValueError
        Not UTF-8 JSON, not an object, a key twice, an entry without a known dtype, a shape
        of non-negative integers or ``data_offsets`` [begin, end] with
        end - begin = prod(shape) * itemsize inside the data, or two byte ranges that
        overlap. The message names ``label`` and the tensor.

    Examples
    --------
    >>> parse_safetensors_header(b'{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}', 24)
    {'w': ('F32', (2, 3), 0, 24)}
    >>> parse_safetensors_header(b'{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}', 20, "m")
    Traceback (most recent call last):
    ...
    ValueError: 'm': tensor 'w' has bytes [0, 24) beyond the 20 bytes of data in the file
    """
    try:
        parsed = json.loads(header.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError, JSONDecodeError, a key twice, deep nesting
        raise ValueError(f"{label!r}: the safetensors header is not valid JSON: {str(err)[:200]}") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"{label!r}: the safetensors header is a JSON {type(parsed).__name__}, not an object")
    out: dict[str, tuple] = {}
    for name, entry in parsed.items():
        if name == "__metadata__":
            if not (isinstance(entry, dict) and all(isinstance(v, str) for v in entry.values())):
                raise ValueError(f"{label!r}: the safetensors __metadata__ must map str to str")
            continue
        where = f"{label!r}: tensor {name!r}"
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{where} must be an object with the fields dtype, shape and data_offsets")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not isinstance(dtype, str) or dtype not in SAFETENSORS_DTYPES:
            raise ValueError(f"{where} has the dtype {str(dtype)[:40]!r}, not one of {', '.join(SAFETENSORS_DTYPES)}")
        if not (isinstance(shape, list) and all(_is_count(n) for n in shape)):
            raise ValueError(f"{where} has the shape {str(shape)[:80]}, not a list of non-negative integers")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_count(n) for n in offsets)
                and offsets[0] <= offsets[1]):
            raise ValueError(f"{where} has the data_offsets {str(offsets)[:80]}, not [begin, end] with "
                             "0 <= begin <= end")
        begin, end = offsets
        expected = math.prod(shape) * SAFETENSORS_DTYPES[dtype][1]  # Python integers: no overflow
        if end - begin != expected:
            raise ValueError(f"{where} declares the shape {tuple(shape)} of {dtype} ({expected} bytes) but "
                             f"data_offsets of {end - begin} bytes")
        if end > data_size:
            raise ValueError(f"{where} has bytes [{begin}, {end}) beyond the {data_size} bytes of data in the file")
        out[name] = (dtype, tuple(shape), begin, end)
    ranges = sorted((begin, end, name) for name, (_, _, begin, end) in out.items() if end > begin)
    for (_, end_a, a), (begin_b, _, b) in zip(ranges, ranges[1:]):
        if begin_b < end_a:
            raise ValueError(f"{label!r}: the bytes of tensor {a!r} and tensor {b!r} overlap")
    return out


def read_safetensors_header(path: str | os.PathLike) -> dict[str, TensorEntry]:
    """The tensors of a safetensors file, validated against its size (no tensor is read).

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    dict of str to TensorEntry
        In the header's order.

    Raises
    ------
    ValueError
        The file cannot be read, is shorter than its 8-byte header length, declares a header
        longer than the file or than 100 MB, or its header is invalid
        (:func:`parse_safetensors_header`). The message names the file.
    """
    path = Path(path)
    label = str(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            prefix = fh.read(8)
            if len(prefix) < 8:
                raise ValueError(f"{label!r} is not a safetensors file: {size} bytes, shorter than the 8-byte "
                                 "header length")
            (n,) = struct.unpack("<Q", prefix)
            if n > size - 8 or n > MAX_HEADER_BYTES:
                raise ValueError(f"{label!r} is not a safetensors file: it declares a header of {n} bytes, "
                                 f"{'more than the' if n > size - 8 else 'more than the limit of'} "
                                 f"{size - 8 if n > size - 8 else MAX_HEADER_BYTES} bytes "
                                 f"{'after the header length' if n > size - 8 else ''}".rstrip())
            header = fh.read(n)
    except OSError as err:
        raise ValueError(f"cannot read {label!r}: {err.strerror or err}") from None
    if len(header) != n:
        raise ValueError(f"{label!r} changed while it was read")
    parsed = parse_safetensors_header(header, size - 8 - n, label)
    return {name: TensorEntry(name, path, SAFETENSORS_DTYPES[dtype][0], shape, 8 + n + begin, end - begin)
            for name, (dtype, shape, begin, end) in parsed.items()}


def _read_safetensors_tensor(entry: TensorEntry) -> Any:
    """One tensor of a safetensors file: a buffer of exactly its size, filled by readinto."""
    torch = require_torch(NEEDS_TORCH)
    dtype = getattr(torch, entry.dtype)
    if entry.nbytes == 0:
        return torch.empty(entry.shape, dtype=dtype)
    buffer = bytearray(entry.nbytes)
    try:
        with open(entry.file, "rb") as fh:
            fh.seek(entry.start)
            got = fh.readinto(buffer)
    except OSError as err:
        raise ValueError(f"cannot read {entry.where}: {err.strerror or err}") from None
    if got != entry.nbytes:
        raise ValueError(f"{entry.where}: the file ended after {got} of its {entry.nbytes} bytes (did it change?)")
    return torch.frombuffer(buffer, dtype=dtype).reshape(entry.shape)


# --- torch.save files ---------------------------------------------------------------------------

def _torch_file_entries(path: Path, allow_pickle: bool) -> dict[str, TensorEntry] | Any:
    """The tensors of a torch.save state_dict (memory-mapped), or the module a file holds
    (``allow_pickle`` only)."""
    torch = require_torch(NEEDS_TORCH)
    loaded = _load_file(path, allow_pickle, mmap=True)
    if isinstance(loaded, torch.nn.Module):
        return loaded
    if not isinstance(loaded, Mapping):
        raise ValueError(f"{str(path)!r} holds a {type(loaded).__name__}, not a torch.nn.Module or a state_dict")
    check_state_dict(loaded, f" in {str(path)!r}")
    return {key: TensorEntry(key, path, str(t.dtype).removeprefix("torch."), tuple(t.shape),
                             nbytes=t.numel() * t.element_size(), tensor=t)
            for key, t in loaded.items() if isinstance(t, torch.Tensor)}


def _storage_alias(entries: Mapping[str, TensorEntry]) -> dict[str, str]:
    """For torch.save tensors stored twice under two names (tied weights: one storage, the same
    view), each later name -> the first."""
    first: dict[tuple, str] = {}
    alias = {}
    for name, e in entries.items():
        t = e.tensor
        if t is None or t.numel() == 0:
            continue
        key = (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), t.stride(), t.dtype)
        if key in first:
            alias[name] = first[key]
        else:
            first[key] = name
    return alias


# --- a checkpoint: files and their tensors ------------------------------------------------------

class Checkpoint:
    """The tensors of a checkpoint by name, read one at a time.

    Build it with :func:`open_checkpoint`.

    Attributes
    ----------
    label : str
        The path given (for messages).
    entries : dict of str to TensorEntry
        Every tensor, in file order (shards in index order).
    config : pathlib.Path or None
        The ``config.json`` of a Hugging Face model folder.
    aliases : dict of str to str
        Tensors stored twice under two names (torch.save files): later name -> first name.
    """

    def __init__(self, label: str, entries: dict[str, TensorEntry], config: Path | None = None):
        self.label = label
        self.entries = entries
        self.config = config
        self.aliases = _storage_alias(entries)

    def read(self, name: str) -> Any:
        """The values of tensor ``name`` (a new buffer for safetensors, the memory-mapped tensor
        of a torch.save file)."""
        entry = self.entries[name]
        return entry.tensor if entry.tensor is not None else _read_safetensors_tensor(entry)

    def __repr__(self) -> str:
        return f"Checkpoint({self.label!r}, {len(self.entries)} tensors)"


def is_checkpoint_path(model: Any) -> bool:
    """Whether ``model`` is the path of an existing file or folder that is not a torchvision
    model name (a name never resolves to a file, as in :func:`bristol.cPSE.resolve_model`)."""
    if not isinstance(model, (str, os.PathLike)) or (isinstance(model, str) and model in _torchvision_names()):
        return False
    text = os.fspath(model)
    return isinstance(text, str) and os.path.exists(text)


def is_torch_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is read as a torch.save file (a file that is neither safetensors nor an index)."""
    name = os.fspath(path)
    return os.path.isfile(name) and not str(name).endswith((_SAFETENSORS_SUFFIX, _INDEX_SUFFIX))


def _inside(folder: Path, name: Any, index: Path) -> Path:
    """The file ``name`` that ``index`` (an index.json, or a model folder) names, refused unless
    it is a relative path to a regular file inside ``folder`` (also after following symbolic
    links; in the Hugging Face cache, ``<repo>/snapshots/<revision>``, links into
    ``<repo>/blobs`` are inside)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"{str(index)!r} names the file {name!r}, not a file name")
    parts = Path(name).parts
    if os.path.isabs(name) or Path(name).drive or ".." in parts or "\\" in name:
        raise ValueError(f"{str(index)!r} names the file {name!r} outside its folder: the files of a checkpoint "
                         f"must lie in {str(folder)!r}")
    path = folder / name
    real = os.path.realpath(path)
    roots = [os.path.realpath(folder)]
    if Path(roots[0]).parent.name == "snapshots":  # the Hugging Face cache: links into the repository's blobs
        roots.append(os.path.join(Path(roots[0]).parent.parent, "blobs"))
    if not any(os.path.commonpath([root, real]) == root for root in roots):
        raise ValueError(f"{str(index)!r} names the file {name!r}, a link to {real!r} outside its folder "
                         f"{str(folder)!r}")
    if not os.path.isfile(real):
        raise ValueError(f"{str(index)!r} names the file {name!r}, which is missing from {str(folder)!r} or not a "
                         "regular file")
    return path


def _config_in(folder: Path) -> Path | None:
    """The folder's config.json (confined to it like the weights), or None."""
    config = folder / "config.json"
    return _inside(folder, config.name, folder) if os.path.lexists(config) else None


def _shard_entries(path: Path, allow_pickle: bool) -> dict[str, TensorEntry]:
    if path.name.endswith(_SAFETENSORS_SUFFIX):
        return read_safetensors_header(path)
    entries = _torch_file_entries(path, allow_pickle)
    if not isinstance(entries, dict):
        raise ValueError(f"the shard {str(path)!r} holds a whole module, not a state_dict")
    return entries


def _index_entries(index: Path, allow_pickle: bool) -> dict[str, TensorEntry]:
    """The tensors of a sharded checkpoint, from its index.json and the shards it names."""
    data = read_json_file(index, "index.json", MAX_INDEX_BYTES)
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict) or not weight_map:
        raise ValueError(f"index.json {str(index)!r} has no weight_map object (tensor name -> shard file)")
    folder = index.parent
    shards: dict[str, list[str]] = {}
    for tensor, name in weight_map.items():
        shards.setdefault(name, []).append(tensor)
    paths = {name: _inside(folder, name, index) for name in shards}  # every name checked before any is read
    entries: dict[str, TensorEntry] = {}
    for name, path in paths.items():
        found = _shard_entries(path, allow_pickle)
        for tensor in shards[name]:
            if tensor not in found:
                raise ValueError(f"index.json {str(index)!r} puts tensor {tensor!r} in {name!r}, which does not "
                                 "hold it")
        for tensor, entry in found.items():
            if tensor in entries:
                raise ValueError(f"tensor {tensor!r} is in two shards, {str(entries[tensor].file)!r} and "
                                 f"{str(path)!r}")
            entries[tensor] = entry
    return entries


def open_checkpoint(path: str | os.PathLike, *, allow_pickle: bool = False) -> Checkpoint | Any:
    """Open a checkpoint: a safetensors file, an index.json, a model folder or a torch.save file.

    Parameters
    ----------
    path : str or os.PathLike
        The file or folder.
    allow_pickle : bool, default False
        For torch.save files: see :func:`bristol.cPSE.resolve_model`.

    Returns
    -------
    Checkpoint or torch.nn.Module
        The checkpoint's tensors (nothing read yet), or the module of a torch.save file that
        holds a whole one (``allow_pickle=True`` only).

    Raises
    ------
    ValueError
        A file cannot be read or is malformed; a folder without weights; an index naming
        files outside its folder or missing ones; a tensor in two shards. The message names
        the file.
    """
    path = Path(path)
    config = None
    if path.is_dir():
        found = [path / name for name in HF_WEIGHT_FILES if (path / name).exists()]
        if not found:
            raise ValueError(f"the folder {str(path)!r} holds no weights: expected one of {', '.join(HF_WEIGHT_FILES)}")
        file = _inside(path, found[0].name, path)
        config = _config_in(path)
    else:
        if not path.is_file():  # a pipe or a device would block or never end
            raise ValueError(f"not a regular file: {str(path)!r}")
        file = path
        if path.name.endswith(_INDEX_SUFFIX):
            config = _config_in(path.parent)
    if file.name.endswith(_INDEX_SUFFIX):
        entries = _index_entries(file, allow_pickle)
    elif file.name.endswith(_SAFETENSORS_SUFFIX):
        entries = read_safetensors_header(file)
    else:
        entries = _torch_file_entries(file, allow_pickle)
        if not isinstance(entries, dict):
            return entries
    return Checkpoint(str(path), entries, config)


# --- the layer matrices of a checkpoint -------------------------------------------------------

def natural_key(name: str) -> tuple:
    """Sort key of a tensor name with its numbers compared as numbers.

    Examples
    --------
    >>> sorted(["layers.10.w", "layers.2.w", "embed"], key=natural_key)
    ['embed', 'layers.2.w', 'layers.10.w']
    """
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part)


def _is_float(dtype: str) -> bool:
    return dtype.startswith(("float", "bfloat", "complex"))


@dataclasses.dataclass
class _Conversion:
    """Checkpoint tensors that one of transformers' ``WeightConverter`` rules turns into
    parameters of the definition ``model`` (e.g. per-expert weights stacked into one 3-D
    parameter), collected as ``from_pretrained`` collects them: source pattern -> keys, in its
    key order; ``first`` is the first target parameter."""

    converter: Any
    first: str
    model: Any
    keys: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def run(self, read: Callable[[str], Any], expert: int | None = None) -> dict[str, Any]:
        """transformers' conversion of the tensors ``read`` returns, by target parameter name;
        with ``expert``, of that expert's tensors alone (:attr:`per_expert` conversions: the
        outputs are then that expert's slices, leading dimension 1)."""
        converter = copy.deepcopy(self.converter)  # it collects its tensors: one copy per use
        converter.collected_tensors = {pattern: [functools.partial(read, k) for k in
                                                 (keys if expert is None else keys[expert:expert + 1])]
                                       for pattern, keys in self.keys.items()}
        outputs = converter.convert(self.first, model=self.model, config=self.model.config)
        return {name: t[0] if isinstance(t, list) else t for name, t in outputs.items()}

    @property
    def per_expert(self) -> bool:
        """Whether slice ``e`` of every output is the conversion of the ``e``-th tensors alone:
        the operations stack the tensors of each pattern along dimension 0 (``MergeModulelist``)
        and then only join or interleave along other dimensions."""
        from transformers.core_model_loading import Concatenate, Interleave, MergeModulelist

        first, *rest = self.converter.operations
        counts = {len(keys) for keys in self.keys.values()}
        return (isinstance(first, MergeModulelist) and first.dim == 0 and len(counts) == 1
                and all(type(op) in (Concatenate, Interleave) and op.dim != 0 for op in rest))


@dataclasses.dataclass(frozen=True)
class _Source:
    """Where the values of one parameter of the definition come from: the checkpoint tensor
    ``entry`` (under the parameter's name, or a name transformers renames), the output
    ``output`` of a conversion of several tensors (``entry`` is then the first of them), or a
    bitsandbytes-quantized weight dequantized (``quantized``; ``entry`` holds its codes)."""

    entry: TensorEntry
    shape: tuple[int, ...]
    conversion: _Conversion | None = None
    output: str = ""
    quantized: _Bitsandbytes | None = None

    def entries(self, ckpt: Checkpoint) -> list[TensorEntry]:
        """The tensors whose values are read as they are (none for a quantized weight)."""
        if self.quantized is not None:
            return []
        if self.conversion is None:
            return [self.entry]
        return [ckpt.entries[k] for keys in self.conversion.keys.values() for k in keys]

    @property
    def stored(self) -> str:
        return self.quantized.stored if self.quantized is not None else f"torch.{self.entry.dtype}"

    @property
    def where(self) -> str:
        if self.conversion is None:
            return self.entry.where
        n = sum(len(keys) for keys in self.conversion.keys.values())
        return f"{self.entry.where} and {n - 1} more, which transformers converts into {self.output!r},"

    def read(self, ckpt: Checkpoint, expert: int | None = None) -> Any:
        if self.quantized is not None:
            return self.quantized.read(ckpt)
        if self.conversion is None:
            return ckpt.read(self.entry.name)
        value = self.conversion.run(ckpt.read, expert)[self.output]
        return value if expert is None else value.expand(self.shape)


def _expert_of(plan: LayerMatrix, sources: tuple[_Source, ...]) -> int | None:
    """The expert ``e`` whose slice alone ``plan.transform`` takes from its one source, a
    :attr:`_Conversion.per_expert` output (then only expert ``e``'s tensors need reading);
    None otherwise. Found by applying the transform to index tensors (expanded views, no copy
    for the views the layer policy takes): its output must be the constant ``e``, and
    ``E - 1 - e`` for the indices reversed (a view with all strides 0 is constant without
    looking at its elements)."""
    torch = require_torch(NEEDS_TORCH)
    if len(sources) != 1 or sources[0].conversion is None or not sources[0].conversion.per_expert:
        return None
    shape = sources[0].shape
    n = shape[0]
    if any(len(keys) != n for keys in sources[0].conversion.keys.values()):
        return None
    found = []
    for order in (torch.arange(n, dtype=torch.int32), torch.arange(n - 1, -1, -1, dtype=torch.int32)):
        out = plan.transform(order.view(n, *[1] * (len(shape) - 1)).expand(shape))  # type: ignore[misc]
        if out.ndim != 2 or out.numel() == 0 or (any(out.stride()) and out.min() != out.max()):
            return None
        found.append(int(out.flatten()[0]))
    return found[0] if found[1] == n - 1 - found[0] else None


def _load_matrix(ckpt: Checkpoint, sources: tuple[_Source, ...], plan: LayerMatrix, expert: int | None) -> Any:
    """The values of one planned matrix: its source tensors read and transformed (NaN / Inf are
    refused by :func:`bristol.cPSE._pse.gram_spectra` in its scaling pass, naming the layer);
    with ``expert``, only that expert's tensors are read, expanded to the parameter's shape
    (a view: the transform takes that expert's slice)."""
    return plan.transform(*(s.read(ckpt, expert) for s in sources))  # type: ignore[misc]


def _lazy(ckpt: Checkpoint, sources: tuple[_Source, ...], plan: LayerMatrix, shape: tuple[int, int]) -> LayerMatrix:
    """``plan`` with its matrix read from ``ckpt`` when needed, and the stored dtype."""
    complex_ = any(e.dtype.startswith("complex") for s in sources for e in s.entries(ckpt))
    load = functools.partial(_load_matrix, ckpt, sources, plan, _expert_of(plan, sources))
    return dataclasses.replace(plan, matrix=LazyMatrix(shape, complex_, load), weight_dtype=sources[0].stored)


def _by_natural_order(ckpt: Checkpoint, include: Any,
                      exclude: Any) -> tuple[list[LayerMatrix], list[SkippedWeight]]:
    """Layers without a model definition: the floating tensors of >= 2 dimensions by
    :func:`natural_key`, each as shape[0] x prod(shape[1:]), selected by name patterns."""
    mats, skipped = [], []
    shared: dict[str, list[str]] = {}
    for later, first in ckpt.aliases.items():
        shared.setdefault(first, []).append(later)
    for name in sorted(ckpt.entries, key=natural_key):
        e = ckpt.entries[name]
        if len(e.shape) < 2 or name in ckpt.aliases:
            continue
        rows, cols = e.shape[0], math.prod(e.shape[1:])
        kind = "checkpoint tensor"
        if not _is_float(e.dtype):
            skipped.append(SkippedWeight(name, kind, e.shape, f"not a floating-point tensor ({e.dtype})"))
        elif min(rows, cols) < 2:
            reason = f"matrix {(rows, cols)} has fewer than 2 rows or columns"
            skipped.append(SkippedWeight(name, kind, e.shape, reason))
        else:
            plan = LayerMatrix(name, kind, e.shape, None, sources=(name,), transform=_as_rows,
                               shared_with=tuple(shared.get(name, ())))
            mats.append(_lazy(ckpt, (_Source(e, e.shape),), plan, (rows, cols)))
    warnings.warn(f"cPSE of {ckpt.label!r} without a model definition: the layers are its floating-point tensors "
                  "of >= 2 dimensions in the natural order of their names (layers.2 before layers.10), each as "
                  "stored (shape[0] x prod(shape[1:]), no transpose); pass arch= (--arch) or a model folder with "
                  "config.json for the layer policy and order of the model", stacklevel=5)
    for s in skipped:
        warnings.warn(f"cPSE skips {s.name} ({s.layer_type}, shape {s.weight_shape}): {s.reason}", stacklevel=5)
    mats, _, left_out = _select(mats, [m.name for m in mats], {}, include, exclude)
    return mats, skipped + left_out


def _definition(ckpt: Checkpoint, arch: Any) -> Any:
    """The model definition on the meta device (None: none can be built)."""
    torch = require_torch(NEEDS_TORCH)
    if arch is not None:
        return build_arch(arch, device="meta")
    if ckpt.config is None:
        return None
    try:
        import transformers  # noqa: F401
    except ImportError:
        warnings.warn(f"{str(ckpt.config)!r}: transformers is not installed, so the model cannot be built from its "
                      "config.json (pip install 'bristol[hf]')", stacklevel=5)
        return None
    with torch.device("meta"):
        return transformers_model(ckpt.config.parent)


# --- bitsandbytes-quantized weights ---------------------------------------------------------------

#: A bitsandbytes 4-bit weight's packed quant state: ``<weight>.quant_state.bitsandbytes__<type>``.
_BNB4_STATE = re.compile(r"^(.+)\.quant_state\.bitsandbytes__(nf4|fp4)$")
#: Largest packed quant state read (a JSON object of a few fields).
MAX_QUANT_STATE_BYTES = 2**16
_FLOAT_NAMES = ("float32", "float16", "bfloat16")


@dataclasses.dataclass(frozen=True)
class _Bitsandbytes:
    """A bitsandbytes-quantized weight in a checkpoint, as transformers saves it: 4-bit (the
    packed codes ``weight``, the quant state ``state`` and its tensors ``tensors``: item ->
    key) or 8-bit (``state`` None: int8 ``weight`` and its row scales ``tensors["SCB"]``).
    Dequantized by bitsandbytes' own functions, as its modules are read."""

    weight: str
    tensors: dict[str, str]
    state: dict[str, Any] | None = None

    @property
    def stored(self) -> str:
        return f"Params4bit({self.state['quant_type']})" if self.state is not None else "Int8Params(torch.int8)"

    def keys(self, ckpt: Checkpoint) -> list[str]:
        """Every tensor of the weight: its codes, quant state and format (``weight_format``)."""
        return [self.weight, *self.tensors.values(),
                *(k for k in ckpt.entries if k.startswith((f"{self.weight}.", f"{self.weight}_format")))]

    def read(self, ckpt: Checkpoint) -> Any:
        import bitsandbytes.functional as bnbf

        torch = require_torch(NEEDS_TORCH)
        values = {item: ckpt.read(key) for item, key in self.tensors.items()}
        if self.state is None:
            return bnbf.int8_vectorwise_dequant(ckpt.read(self.weight), values["SCB"])
        state = bnbf.QuantState.from_dict({**self.state, **values}, device=torch.device("cpu"))
        return bnbf.dequantize_4bit(ckpt.read(self.weight), state)


def _quant_state(ckpt: Checkpoint, key: str, quant_type: str) -> dict[str, Any]:
    """The validated JSON of a 4-bit weight's packed quant state."""
    entry = ckpt.entries[key]
    if entry.nbytes > MAX_QUANT_STATE_BYTES or entry.dtype != "uint8":
        raise ValueError(f"{entry.where} is not a bitsandbytes quant state: {entry.nbytes} bytes of {entry.dtype}")
    try:
        state = json.loads(bytes(ckpt.read(key).numpy()).decode("utf-8"))
    except (ValueError, RecursionError) as err:
        raise ValueError(f"{entry.where}: the bitsandbytes quant state is not valid JSON: {str(err)[:200]}") from None
    nested = ("nested_blocksize", "nested_dtype", "nested_offset")
    ok = (isinstance(state, dict) and set(state) in ({"quant_type", "blocksize", "dtype", "shape"},
                                                     {"quant_type", "blocksize", "dtype", "shape", *nested})
          and state["quant_type"] == quant_type and state["dtype"] in _FLOAT_NAMES
          and _is_count(state["blocksize"]) and state["blocksize"] > 0
          and isinstance(state["shape"], list) and len(state["shape"]) == 2
          and all(_is_count(n) for n in state["shape"])
          and ("nested_dtype" not in state or (state["nested_dtype"] in _FLOAT_NAMES
                                               and _is_count(state["nested_blocksize"])
                                               and state["nested_blocksize"] > 0
                                               and isinstance(state["nested_offset"], (int, float)))))
    if not ok:
        raise ValueError(f"{entry.where}: the bitsandbytes quant state {str(state)[:200]} is not a {quant_type} "
                         "state of a 2-D weight (quant_type, blocksize, dtype, shape, and the nested_* fields or none)")
    return state


def _bitsandbytes_4bit(ckpt: Checkpoint, weight: str, state: dict[str, Any]) -> _Bitsandbytes:
    """A 4-bit weight, its tensors checked against its quant state (bitsandbytes' kernels
    trust the sizes)."""
    nested = "nested_dtype" in state
    n = math.prod(state["shape"])
    blocks = -(-n // state["blocksize"])
    items = {"absmax": (blocks, "uint8" if nested else "float32"), "quant_map": (16, "float32")}
    if nested:
        items.update(nested_absmax=(-(-blocks // state["nested_blocksize"]), "float32"),
                     nested_quant_map=(256, "float32"))
    codes = ckpt.entries.get(weight)
    if codes is None or codes.nbytes != -(-n // 2):
        raise ValueError(f"{ckpt.label!r}: the bitsandbytes 4-bit weight {weight!r} of shape {tuple(state['shape'])} "
                         f"needs {-(-n // 2)} bytes of codes, found "
                         f"{'none' if codes is None else f'{codes.nbytes} bytes'}")
    tensors = {}
    for item, (count, dtype) in items.items():
        e = ckpt.entries.get(f"{weight}.{item}")
        if e is None or math.prod(e.shape) != count or e.dtype != dtype:
            raise ValueError(f"{ckpt.label!r}: the bitsandbytes 4-bit weight {weight!r} needs {weight}.{item}, "
                             f"{count} values of {dtype}; found "
                             f"{'none' if e is None else f'{math.prod(e.shape)} of {e.dtype}'}")
        tensors[item] = e.name
    return _Bitsandbytes(weight, tensors, state)


def _bitsandbytes_sources(ckpt: Checkpoint) -> dict[str, _Source]:
    """The bitsandbytes-quantized weights of a checkpoint as the float parameters they stand
    for (a 4-bit weight by its quant state; an int8 ``<module>.weight`` with the row scales
    ``<module>.SCB``); a ValueError if bitsandbytes is not installed to dequantize them."""
    marked = [k for k in ckpt.entries if _BNB4_STATE.match(k) or k.endswith(".SCB")]
    if marked and not _has_bitsandbytes():
        raise _quantized_error(ckpt, "bitsandbytes", f"it holds the tensor {marked[0]!r}, and bitsandbytes is not "
                                                     "installed to dequantize it")
    out = {}
    for key in marked:
        e = ckpt.entries[key]
        if (match := _BNB4_STATE.match(key)) is not None:
            weight = match.group(1)
            state = _quant_state(ckpt, key, match.group(2))
            out[weight] = _Source(ckpt.entries.get(weight, e), tuple(state["shape"]),
                                  quantized=_bitsandbytes_4bit(ckpt, weight, state))
        else:
            weight = key.removesuffix("SCB") + "weight"
            codes = ckpt.entries.get(weight)
            if codes is None or codes.dtype != "int8" or len(codes.shape) != 2 or e.shape != codes.shape[:1] \
                    or e.dtype != "float32":
                raise ValueError(f"{e.where}: bitsandbytes 8-bit row scales need an int8 matrix {weight!r} with "
                                 "one float32 scale per row")
            out[weight] = _Source(codes, codes.shape, quantized=_Bitsandbytes(weight, {"SCB": key}))
    return out


def _has_bitsandbytes() -> bool:
    return importlib.util.find_spec("bitsandbytes") is not None


def _transformers_sources(ckpt: Checkpoint, model: Any) -> tuple[dict[str, _Source], list[str]] | None:
    """The parameters of ``model`` as transformers' ``from_pretrained`` fills them from the
    checkpoint: its conversion rules for the model (``get_model_conversion_mapping``: keys
    renamed, a ``base_model_prefix`` added or dropped, per-expert weights merged into fused
    ones), applied to the keys in its order; and the keys it would not load. None when
    ``model`` is not a transformers model or transformers has no such rules (before 5)."""
    torch = require_torch(NEEDS_TORCH)
    if "transformers" not in sys.modules:  # a transformers model has imported it; others need not
        return None
    try:
        from transformers import PreTrainedModel
        from transformers.conversion_mapping import get_model_conversion_mapping
        from transformers.core_model_loading import WeightConverter, WeightRenaming, dot_natural_key, rename_source_key
    except ImportError:
        return None
    if not isinstance(model, PreTrainedModel):
        return None
    transforms = get_model_conversion_mapping(model)
    renamings = [t for t in transforms if isinstance(t, WeightRenaming)]
    converters = [t for t in transforms if isinstance(t, WeightConverter)]
    by_pattern = {pattern: c for c in converters for pattern in c.source_patterns}
    meta, prefix = model.state_dict(), model.base_model_prefix
    sources: dict[str, _Source] = {}
    conversions: dict[str, _Conversion] = {}
    unused = []
    for key in sorted(ckpt.entries, key=dot_natural_key):
        renamed, pattern = rename_source_key(key, renamings, converters, prefix, meta)
        if renamed not in meta and key in meta:  # as from_pretrained: a key of the model is not renamed
            renamed, pattern = rename_source_key(key, [], [], base_model_prefix=prefix, meta_state_dict=meta)
        if renamed not in meta:
            unused.append(key)
        elif pattern is not None:
            conversion = conversions.setdefault(renamed, _Conversion(by_pattern[pattern], renamed, model))
            conversion.keys.setdefault(pattern, []).append(key)
        elif renamed not in sources:
            sources[renamed] = _Source(ckpt.entries[key], ckpt.entries[key].shape)

    def meta_tensor(key):
        e = ckpt.entries[key]
        return torch.empty(e.shape, dtype=getattr(torch, e.dtype), device="meta")

    for conversion in conversions.values():
        try:  # the output shapes, from the declared ones: nothing is read
            outputs = conversion.run(meta_tensor)
        except Exception as err:  # transformers' operations fail in many ways on tensors that do not fit
            keys = [k for ks in conversion.keys.values() for k in ks]
            raise ValueError(f"the {_kind(ckpt)} {ckpt.label!r}: transformers' conversion of the tensors "
                             f"{_listed(keys)} into {conversion.first!r} fails: {type(err).__name__}: "
                             f"{str(err)[:200]}") from None
        first = ckpt.entries[next(iter(conversion.keys.values()))[0]]
        for name, t in outputs.items():
            sources.setdefault(name, _Source(first, tuple(t.shape), conversion, name))
    return sources, unused


def _listed(names: list[str]) -> str:
    return f"{', '.join(names[:8])}{', ...' if len(names) > 8 else ''} ({len(names)})"


def _locate(plan: list[LayerMatrix], sources: Mapping[str, _Source]) -> tuple[list[tuple[_Source, ...]], list[str]]:
    """Each planned matrix's sources (a tied parameter under any of its names), and the
    parameter names not found."""
    found, missing = [], []
    for m in plan:
        located = []
        for source in m.sources:
            got = next((sources[n] for n in (source, *m.shared_with) if n in sources), None)
            if got is None:
                missing.append(source)
            else:
                located.append(got)
        found.append(tuple(located))
    return found, list(dict.fromkeys(missing))


def _planned(ckpt: Checkpoint, model: Any, what: str, include: Any,
             exclude: Any) -> tuple[list[LayerMatrix], list[SkippedWeight]]:
    """The policy's matrices of ``model`` (a definition), each read lazily from ``ckpt``; a tied
    parameter is read under whichever of its names (``shared_with``) the file holds. When the
    file's names are not the definition's, transformers' own conversion rules for the model
    map them (:func:`_transformers_sources`)."""
    plan, skipped = plan_layer_matrices(model, include=include, exclude=exclude)
    expected = {**{k: tuple(v.shape) for k, v in model.state_dict().items()},
                **{k: tuple(p.shape) for k, p in model.named_parameters(remove_duplicate=False)}}
    for m in plan:
        if not m.sources or m.transform is None:
            raise ValueError(f"layer {m.name} ({m.layer_type}) of arch={what} is not read from a parameter "
                             "(a quantized module?): it cannot be read from a checkpoint")
    quantized = _bitsandbytes_sources(ckpt)
    found, missing = _locate(plan, {**{k: _Source(e, e.shape) for k, e in ckpt.entries.items()}, **quantized})
    known = set(expected) | set(ckpt.aliases)
    known |= {k for q in quantized.values() if q.quantized for k in q.quantized.keys(ckpt)}
    extra = [k for k, e in ckpt.entries.items() if len(e.shape) >= 2 and k not in known]
    converted = _transformers_sources(ckpt, model) if (missing or extra) and not quantized else None
    if converted is not None:
        found_converted, missing_converted = _locate(plan, converted[0])
        extra_converted = [k for k in converted[1] if len(ckpt.entries[k].shape) >= 2 and k not in ckpt.aliases]
        found, missing, extra = found_converted, missing_converted, extra_converted
    if missing or extra:
        _refuse_quantized(ckpt, [k for k in ckpt.entries if k not in known])
        parts = ([f"tensors the layers need are missing: {_listed(missing)}"] if missing else []) + \
            ([f"the file has weights the model does not: {_listed(extra)}"] if extra else [])
        tried = (" (after transformers' conversion rules for the model: renamed keys, merged experts)"
                 if converted is not None else "")
        raise ValueError(f"the {_kind(ckpt)} {ckpt.label!r} does not fit arch={what}{tried}: {'; '.join(parts)}")
    out = []
    for m, sources in zip(plan, found):
        for name, source in zip(m.sources, sources):
            for e in source.entries(ckpt):
                if not _is_float(e.dtype):
                    _refuse_quantized(ckpt, [k for k in ckpt.entries if k not in known])
                    raise ValueError(f"{e.where} has the dtype {e.dtype}: layer {m.name} needs a floating-point "
                                     "weight")
            want = expected.get(name)
            if want is not None and source.shape != want:
                raise ValueError(f"{source.where} has the shape {source.shape}; layer {m.name} of arch={what} "
                                 f"expects {want}")
        out.append(_lazy(ckpt, sources, m, m.matrix_shape))
    return out, skipped


#: Tensor names only quantized checkpoints hold, and the method they belong to.
_QUANTIZED_NAMES = (
    (re.compile(r"\.(absmax|quant_map|nested_absmax|nested_quant_map|quant_state\.bitsandbytes__\w+)$"),
     "bitsandbytes 4-bit"),
    (re.compile(r"\.(SCB|weight_format)$"), "bitsandbytes 8-bit"),
    (re.compile(r"(^|\.)(qweight|qzeros|g_idx)$"), "GPTQ or AWQ"),
    (re.compile(r"\.weight_scale_inv$"), "fp8 with block-wise scales"),
    (re.compile(r"\.(weight_scale|input_scale|weight_packed|weight_zero_point|weight_global_scale)$"),
     "compressed-tensors or fp8"),
    (re.compile(r"(:|_)qdata$"), "torchao"),
)


def _quantization_config(ckpt: Checkpoint) -> str | None:
    """The method named by the folder's config.json ``quantization_config`` (None: none)."""
    if ckpt.config is None:
        return None
    config = read_json_file(ckpt.config, "config.json", MAX_CONFIG_BYTES)
    quant = config.get("quantization_config") if isinstance(config, dict) else None
    if not quant:
        return None
    method = quant.get("quant_method", "unnamed") if isinstance(quant, dict) else "unnamed"
    bits = [b for b, flag in (("4-bit", "load_in_4bit"), ("8-bit", "load_in_8bit"))
            if isinstance(quant, dict) and quant.get(flag) is True]
    return f"{str(method)[:40]} {' '.join(bits)}".strip()


def _refuse_quantized(ckpt: Checkpoint, names: Collection[str] = ()) -> None:
    """A ValueError if ``ckpt`` is a quantized checkpoint that is not read: its config.json has
    a ``quantization_config`` (bitsandbytes' is read when bitsandbytes is installed:
    :func:`_bitsandbytes_sources`), or one of ``names`` (its tensors) is a name only
    quantized checkpoints give (bitsandbytes' ``absmax``, ``quant_map``, ``quant_state.*``,
    ``SCB``; GPTQ / AWQ ``qweight``, ``qzeros``; fp8 scales; torchao ``qdata``)."""
    method = _quantization_config(ckpt)
    if method is not None and not (method.startswith("bitsandbytes") and _has_bitsandbytes()):
        raise _quantized_error(ckpt, method, "its config.json has a quantization_config")
    hit = next(((key, name) for key in names for pattern, name in _QUANTIZED_NAMES if pattern.search(key)), None)
    if hit is not None:
        raise _quantized_error(ckpt, hit[1], f"it holds the tensor {hit[0]!r}")


def _quantized_error(ckpt: Checkpoint, method: str, where: str) -> ValueError:
    return ValueError(f"{ckpt.label!r} is a quantized checkpoint ({method}: {where}): its weights are stored as "
                      "quantized codes with their quantization state, which bristol does not dequantize from "
                      "the file. To measure it, load the model with its quantization library (a Hugging Face "
                      "folder: transformers' from_pretrained, with the package of that method installed) and "
                      "pass the module: cPSE reads quantized layers (torch.ao, torchao, bitsandbytes) "
                      "dequantized, with their stored dtype in the report")


def _kind(ckpt: Checkpoint) -> str:
    first = next(iter(ckpt.entries.values()), None)
    return "state_dict in" if first is not None and first.tensor is not None else "checkpoint"


def checkpoint_matrices(path: str | os.PathLike, arch: Any = None, *, allow_pickle: bool = False,
                        include: Any = None,
                        exclude: Any = None) -> tuple[list[LayerMatrix], list[SkippedWeight]] | Any:
    """The layer matrices of a checkpoint on disk, each read when its spectrum is computed.

    Parameters
    ----------
    path : str or os.PathLike
        A safetensors file, an index.json, a model folder or a torch.save file
        (:func:`open_checkpoint`).
    arch : str, os.PathLike or torch.nn.Module, optional
        The model definition: a torchvision or timm model name, a Hugging Face model folder
        or a module (only its structure is used). Default: the folder's config.json, else
        the tensors in natural order (with a warning).
    allow_pickle : bool, default False
        See :func:`bristol.cPSE.resolve_model`.
    include, exclude : str, type or list of them, optional
        The selection of :func:`bristol.cPSE.extract_layer_matrices` (without a definition:
        name patterns on the tensor names).

    Returns
    -------
    (matrices, skipped) or torch.nn.Module
        The :class:`~bristol.cPSE.LayerMatrix` list (each ``matrix`` a
        :class:`~bristol.cPSE._pse.LazyMatrix`) and the skipped weights; or the module
        of a torch.save file that holds a whole one (``allow_pickle=True``).

    Raises
    ------
    ValueError
        As :func:`open_checkpoint`; the definition and the file do not match, also after
        transformers' conversion rules for a transformers definition (the names are
        listed); a needed tensor is not floating-point or has another shape; a quantized
        checkpoint other than bitsandbytes' (the method is named), or a bitsandbytes quant
        state that does not fit its codes.
    """
    ckpt = open_checkpoint(path, allow_pickle=allow_pickle)
    if not isinstance(ckpt, Checkpoint):
        if arch is not None:
            raise ValueError(f"arch (--arch) is only for loading a state_dict; {str(path)!r} holds a whole module, "
                             "so it would be ignored")
        return ckpt
    _refuse_quantized(ckpt)
    model = _definition(ckpt, arch)
    if model is None:
        _refuse_quantized(ckpt, list(ckpt.entries))
        return _by_natural_order(ckpt, include, exclude)
    what = arch_label(arch) if arch is not None else f"{model.__class__.__name__} of config.json"
    return _planned(ckpt, model, what, include, exclude)



def layers_or_module(
    model: Any, arch: Any = None, *, allow_pickle: bool = False, include: Any = None, exclude: Any = None,
    weights: str | None = None,
) -> tuple[list[LayerMatrix], list[SkippedWeight]] | Any:
    """What the cPSE functions measure in ``model``: a checkpoint path's layer matrices, read
    tensor by tensor (:func:`checkpoint_matrices`), or the module anything else (and a torch.save
    file of a whole module) resolves to (:func:`bristol.cPSE.resolve_model`).

    Parameters
    ----------
    model : object
        A checkpoint path, or what :func:`bristol.cPSE.resolve_model` takes.
    arch, allow_pickle, include, exclude
        As in :func:`checkpoint_matrices` (``include`` / ``exclude`` only for a checkpoint; a
        module's selection is made by the caller).
    weights : str, optional
        A torchvision model name's weights (:func:`bristol.cPSE.resolve_model`).

    Returns
    -------
    (matrices, skipped) or torch.nn.Module

    Raises
    ------
    ValueError
        ``weights`` with a checkpoint (it brings its own); as :func:`checkpoint_matrices` and
        :func:`bristol.cPSE.resolve_model`.
    """
    if not is_checkpoint_path(model):
        return resolve_model(model, weights=weights, arch=arch, allow_pickle=allow_pickle)
    if weights is not None:
        raise ValueError(f"weights (--weights) is only for a torchvision model name; the checkpoint "
                         f"{str(model)!r} brings its own weights")
    return checkpoint_matrices(model, arch, allow_pickle=allow_pickle, include=include, exclude=exclude)
