"""The suite's own arrangement on two workers (tests/conftest.py, pyproject's pytest options)."""

from __future__ import annotations

import os

import pytest


def test_tests_are_grouped_on_the_workers(request):
    """pytest-xdist groups by a suffix it adds to each node id; without it the sample batch would run on both workers.

    (pytest 9.2 stopped reading the attribute pytest-xdist 3.8 sets: every test became a
    group of its own, and the session's sample batch, the export reports and the
    combinations ran twice.)
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        pytest.skip("one process (pytest -n 0): nothing is grouped")
    assert request.node.nodeid.endswith("@tests/test_suite.py"), request.node.nodeid
