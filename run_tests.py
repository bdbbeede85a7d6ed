"""":
# Runs the whole test suite and the doctests of the package (pyproject.toml: testpaths
# tests and bristol, --doctest-modules). Works as `bash run_tests.py` and as
# `python run_tests.py`; extra arguments go to pytest (e.g. `-m "not slow"` or a test file,
# which then replaces the default paths). Under bash the line above is a no-op and the
# next line hands this file to Python.
exec "${PYTHON:-python3}" "$0" "$@"
"""
import os
import sys

import pytest

if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))  # the testpaths of pyproject.toml are relative
    sys.exit(pytest.main(sys.argv[1:]))
