"""":
# Runs the whole test suite. Works as `bash run_tests.py` and as `python run_tests.py`;
# extra arguments go to pytest. (Under bash the line above is a no-op and the next line
# hands this file to Python.)
exec "${PYTHON:-python3}" "$0" "$@"
"""
import os
import sys

import pytest

if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    sys.exit(pytest.main(["tests", *sys.argv[1:]]))
