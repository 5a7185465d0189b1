"""The dev server's garbage-collector settings: set while it serves, put back afterwards."""

from __future__ import annotations

import gc

import pytest
from workers_emulator.server import GC_YOUNG_THRESHOLD, _gc_tuned_for_serving


@pytest.fixture
def saved_gc():
    threshold = gc.get_threshold()
    yield threshold
    gc.set_threshold(*threshold)
    gc.unfreeze()


def test_start_up_objects_are_frozen_and_the_young_threshold_raised(saved_gc) -> None:
    gc.set_threshold(700, 10, 10)
    with _gc_tuned_for_serving():
        assert gc.get_freeze_count() > 0  # what was loaded before serving
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_a_higher_threshold_is_kept_and_turned_off_collections_stay_off(saved_gc) -> None:
    gc.set_threshold(GC_YOUNG_THRESHOLD * 5, 20, 30)
    with _gc_tuned_for_serving():
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD * 5, 20, 30)
    gc.set_threshold(0, 10, 10)
    with _gc_tuned_for_serving():
        assert gc.get_threshold() == (0, 10, 10)
    assert gc.get_threshold() == (0, 10, 10)


def test_settings_are_put_back_when_serving_fails(saved_gc) -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError), _gc_tuned_for_serving():
        raise RuntimeError("uvicorn could not bind")
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0
