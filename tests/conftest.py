"""Shared session fixtures: the data sets many test modules read, built once per run.

Fixtures return shared objects: a test that changes a frame must work on a ``.copy()``.

=======================  ===================================================================
fixture                  what it is
=======================  ===================================================================
``cdnow_sample``         the bundled CDNOW 1/10 sample transaction log (2,357 customers)
``cdnow_master``         the full CDNOW master log (23,570 customers)
``cal``                  CDNOW sample calibration/holdout summary in weeks (Fader, Hardie and
                         Lee 2005: calibration to 1997-09-30, holdout to 1998-06-30)
``lifetimes_module``     the ``lifetimes`` package (skips when not installed), its warnings muted
=======================  ===================================================================
"""

from __future__ import annotations

import warnings

import pytest

from cvm_lib.datasets import cdnow
from cvm_lib.summary import calibration_holdout


@pytest.fixture(scope="session")
def cdnow_sample():
    return cdnow(sample=True)


@pytest.fixture(scope="session")
def cdnow_master():
    return cdnow()


@pytest.fixture(scope="session")
def cal(cdnow_sample):
    return calibration_holdout(cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30",
                               time_unit="W")


@pytest.fixture(scope="session")
def lifetimes_module():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("lifetimes")
