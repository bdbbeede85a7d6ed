"""Spectra: spectral ergodicity and the statistics of eigenvalue sequences.

* spectral ergodicity (Suezen et al., arXiv:1704.08303): spectral densities, the
  Thirumalai-Mountain metric, the symmetric KL distance and the approach to spectral
  ergodicity (:mod:`bristol.spectral._ergodicity`, on the exact vectorised histograms of
  :mod:`bristol.spectral._binning`);
* the same measures of an ensemble given by its specification (kind, N, beta, members) instead
  of its eigenvalues: counted per bin without the eigenvalues where that is cheaper
  (:mod:`bristol.spectral._ensemble_measures`, on :mod:`bristol.ensembles`);
* statistics of spectra: spacings, unfolding, gap ratios, form factor, number variance
  (:mod:`bristol.spectral._statistics`);
* the exact finite-N and surmise values they are compared with, re-exported from
  :mod:`bristol.theory`.

The definitions and conventions are in docs/theory.md: section 3 for the statistics of
spectra, section 5.1 for spectral ergodicity, section 8.4 for the measures of an ensemble
specification.

:class:`Ergodicity`, bristol 0.2.14's interface, lives in :mod:`bristol._legacy.ergodicity`
and is importable from here.
"""
from .._lazy import lazy_getattr
from ..theory import (
    MEAN_GAP_RATIO_LARGE_N,
    MEAN_GAP_RATIO_SURMISE,
    circle_density,
    circular_first_form_factor,
    circular_form_factor,
    circular_number_variance,
    gap_ratio_surmise,
    semicircle_density,
    wigner_surmise,
)
from ._ensemble_measures import (
    approach_to_ergodicity_of_ensemble,
    counts_of_ensemble,
    ensemble_bin_edges,
    ensemble_method,
    thirumalai_mountain_of_ensemble,
)
from ._ergodicity import (
    approach_to_ergodicity,
    consecutive_distances,
    ensemble_counts,
    phase_bin_edges,
    spectral_density,
    symmetric_kl_distance,
    thirumalai_mountain,
)
from ._statistics import (
    arc_counts,
    circular_spacings,
    form_factor,
    gap_ratios,
    mean_gap_ratio,
    number_variance,
    spacings,
    trace_moments,
    unfold,
)

__all__ = [
    "Ergodicity",
    "approach_to_ergodicity",
    "consecutive_distances",
    "ensemble_counts",
    "phase_bin_edges",
    "spectral_density",
    "symmetric_kl_distance",
    "thirumalai_mountain",
    "approach_to_ergodicity_of_ensemble",
    "counts_of_ensemble",
    "ensemble_bin_edges",
    "ensemble_method",
    "thirumalai_mountain_of_ensemble",
    "arc_counts",
    "circular_spacings",
    "form_factor",
    "gap_ratios",
    "mean_gap_ratio",
    "number_variance",
    "spacings",
    "trace_moments",
    "unfold",
    "MEAN_GAP_RATIO_LARGE_N",
    "MEAN_GAP_RATIO_SURMISE",
    "circle_density",
    "circular_first_form_factor",
    "circular_form_factor",
    "circular_number_variance",
    "gap_ratio_surmise",
    "semicircle_density",
    "wigner_surmise",
]

__getattr__ = lazy_getattr(__name__, {
    "Ergodicity": "bristol._legacy.ergodicity:Ergodicity",
    "REAL_TOLERANCE": "bristol._legacy.ergodicity:REAL_TOLERANCE",
})
