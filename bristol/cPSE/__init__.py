"""Cascading periodic spectral ergodicity (cPSE) of deep networks (Suezen, arXiv:1911.07831).

* :func:`cpse_measure`, :func:`cpse_report`, :func:`plot_d_layers` -- cPSE of a PyTorch model
  (a module, a torchvision model name, a state_dict or a file; :func:`resolve_model`) or of a
  checkpoint on disk read tensor by tensor (a safetensors file, a sharded index, a Hugging Face
  model folder, a ``torch.save`` state_dict), with a per-layer report (:class:`CPSEReport`,
  :class:`LayerRecord`);
* :func:`cpse_measure_vanilla` -- cPSE of a list of weight matrices;
* :func:`cpse_baseline` -- the random-matrix baseline of a model's cPSE (:class:`CPSEBaseline`,
  :class:`BaselineZScores`): i.i.d. Gaussian layers of its shapes, z-scores of its values;
* the layer policy: :func:`extract_layer_matrices` (:class:`LayerMatrix`,
  :class:`SkippedWeight`, ``include=`` / ``exclude=``) and :func:`forward_order`;
* bristol 0.2.14's pipeline functions :func:`get_layer_matrix_set`,
  :func:`get_eigenvals_layer_matrix_set`, :func:`list2plist`,
  :func:`eigenvals_set_to_periodic` and :func:`d_layers_pse`, which live in
  :mod:`bristol._legacy.cpse` and are importable from here.

The implementation: :mod:`bristol.cPSE._layers` (weight matrices of a model),
:mod:`bristol.cPSE._loading` (the ``model`` argument), :mod:`bristol.cPSE._checkpoint`
(checkpoints on disk, checked before they are read), :mod:`bristol.cPSE._pse` (Gram spectra
and d_l, on :mod:`bristol.spectral`), :mod:`bristol.cPSE._report` (the measures) and
:mod:`bristol.cPSE._baseline` (the random-matrix baseline, on :mod:`bristol.ensembles`).
``device=`` has one meaning everywhere: see :mod:`bristol._torch`. The measures are silent by
default; ``verbose=1`` shows a progress bar (scikit-learn's convention; ``progress=`` is a
deprecated alias).
"""
from .._lazy import lazy_getattr
from ._baseline import BaselineZScores, CPSEBaseline, cpse_baseline
from ._layers import LayerMatrix, SkippedWeight, extract_layer_matrices, forward_order
from ._loading import resolve_model
from ._report import (
    PROGRESS_MIN_LAYERS,
    CPSEReport,
    LayerRecord,
    cpse_measure,
    cpse_measure_vanilla,
    cpse_report,
    plot_d_layers,
)

#: bristol 0.2.14's pipeline functions, kept in :mod:`bristol._legacy.cpse`.
_LEGACY_NAMES = (
    "get_layer_matrix_set",
    "get_eigenvals_layer_matrix_set",
    "list2plist",
    "eigenvals_set_to_periodic",
    "d_layers_pse",
)

__all__ = [
    *_LEGACY_NAMES,
    "cpse_measure",
    "cpse_measure_vanilla",
    "cpse_report",
    "CPSEReport",
    "LayerRecord",
    "plot_d_layers",
    "cpse_baseline",
    "CPSEBaseline",
    "BaselineZScores",
    "resolve_model",
    "extract_layer_matrices",
    "forward_order",
    "LayerMatrix",
    "SkippedWeight",
    "PROGRESS_MIN_LAYERS",
]

__getattr__ = lazy_getattr(__name__, {name: f"bristol._legacy.cpse:{name}" for name in _LEGACY_NAMES})
