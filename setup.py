"""Package metadata for bristol (the build system is declared in pyproject.toml)."""
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(r'__version__ = "([^"]+)"', (HERE / "bristol" / "__init__.py").read_text()).group(1)

EXTRAS = {
    "torch": ["torch>=2.2", "torchvision>=0.17"],
    "dask": ["dask>=2023.1", "distributed>=2023.1"],
    "plot": ["matplotlib>=3.6"],
}
EXTRAS["test"] = sorted(
    set(EXTRAS["torch"] + EXTRAS["dask"] + EXTRAS["plot"])
    | {"pytest>=7", "hypothesis>=6.80", "nbclient>=0.7", "nbformat>=5.7", "ipykernel>=6"}
)
EXTRAS["all"] = sorted(set(EXTRAS["torch"] + EXTRAS["dask"] + EXTRAS["plot"]))

setup(
    name="bristol",
    version=VERSION,
    description="Circular and Gaussian random-matrix ensembles, spectral ergodicity and the cPSE "
    "complexity measure of deep networks",
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    license="MIT",
    packages=find_packages(include=["bristol", "bristol.*"]),
    package_data={"bristol": ["py.typed"]},
    python_requires=">=3.9",
    install_requires=["numpy>=1.25", "scipy>=1.10", "joblib>=1.3", "tqdm>=4.60", "threadpoolctl>=3.1"],
    extras_require=EXTRAS,
    entry_points={"console_scripts": ["bristol = bristol.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: MIT License",
        "Topic :: Scientific/Engineering :: Mathematics",
        "Topic :: Scientific/Engineering :: Physics",
    ],
)
