"""rnncourse.progress: a tqdm bar for a person, nothing in stored or tested outputs."""
import io

import tqdm.auto

from rnncourse.progress import ENV_VAR, progress


def test_bar_shown_when_the_variable_is_unset(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    out = io.StringIO()
    bar = progress(range(3), desc="train", file=out)
    assert isinstance(bar, tqdm.auto.tqdm)
    assert list(bar) == [0, 1, 2]
    assert "train" in out.getvalue() and "3/3" in out.getvalue()


def test_bar_left_out_when_the_variable_is_set(monkeypatch):
    items = range(3)
    monkeypatch.setenv(ENV_VAR, "1")
    assert progress(items, desc="train") is items


def test_zero_means_show(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "0")
    assert isinstance(progress(range(2), disable=True), tqdm.auto.tqdm)


def test_the_test_session_hides_bars():
    """conftest.py sets the variable, so chapters executed by nbval store no progress bar."""
    import os
    assert os.environ.get(ENV_VAR) == "1"
