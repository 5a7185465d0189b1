"""The comparison every differential test uses (tests/support/differential.py): a difference
anywhere fails, naming the step and the place, and a tolerance accepts only what it rules on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.differential import (
    assert_same_answers,
    assert_same_named_answers,
    differences,
    step_labels,
)


def tolerate_near_seconds(path: str, js: Any, py: Any) -> list[str] | None:
    if path.endswith(".seconds") and isinstance(js, int) and isinstance(py, int):
        return [] if abs(js - py) <= 1 else [f"{path}: {js} and {py} are too far apart"]
    return None


def test_a_difference_deep_inside_an_answer_is_found_by_its_path() -> None:
    js = {"ok": {"keys": [{"name": "a"}, {"name": "b"}]}}
    py = {"ok": {"keys": [{"name": "a"}, {"name": "c"}]}}
    assert differences(js, py) == [".ok.keys[1].name: 'b' != 'c'"]


def test_missing_keys_and_lengths_are_differences() -> None:
    assert differences({"a": 1}, {"a": 1, "b": 2}) == [": keys ['a'] != ['a', 'b']"]
    assert differences([1], [1, 2]) == [": length 1 != 2: [1] != [1, 2]"]


def test_exact_types_tell_an_integer_from_a_float_and_a_boolean() -> None:
    assert differences({"n": 2}, {"n": 2.0}) == [".n: 2 != 2.0"]
    assert differences([1], [True]) == ["[0]: 1 != True"]
    assert differences({"n": 2}, {"n": 2.0}, exact_types=False) == []


def test_a_tolerance_accepts_only_what_it_rules_on() -> None:
    js = {"seconds": 10, "name": "x"}
    assert differences(js, {"seconds": 11, "name": "x"}, tolerate=tolerate_near_seconds) == []
    assert differences(js, {"seconds": 13, "name": "x"}, tolerate=tolerate_near_seconds) == [
        ".seconds: 10 and 13 are too far apart"
    ]
    assert differences(js, {"seconds": 10, "name": "y"}, tolerate=tolerate_near_seconds) == [
        ".name: 'x' != 'y'"
    ]


def test_a_step_that_differs_fails_naming_the_step_both_answers_and_the_place() -> None:
    scenario = [{"op": "get", "key": "a"}, {"op": "get", "key": "b"}]
    with pytest.raises(AssertionError) as failure:
        assert_same_answers(step_labels(scenario), [{"ok": 1}, {"ok": 2}], [{"ok": 1}, {"ok": 3}])
    message = str(failure.value)
    assert 'step 1 {"op": "get", "key": "b"}' in message
    assert "workerd:  {'ok': 2}\n  emulator: {'ok': 3}\n  .ok: 2 != 3" in message
    assert "step 0" not in message


def test_a_missing_answer_fails() -> None:
    with pytest.raises(AssertionError, match="2 steps, answered 2 by workerd, 1 by the emulator"):
        assert_same_answers(["a", "b"], [1, 2], [1])


def test_named_answers_leave_out_only_the_steps_set_apart() -> None:
    workerd = {"same": "1", "apart": "js", "differs": "2"}
    assert_same_named_answers(workerd, {**workerd, "apart": "py"}, apart=("apart",))
    with pytest.raises(AssertionError, match="differs\n  workerd:  2\n  emulator: 3"):
        assert_same_named_answers(workerd, {**workerd, "differs": "3"}, apart=("apart",))
