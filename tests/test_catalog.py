"""The catalog's tables can be overridden one by one from a folder named by LLMLAB_CATALOG, and a
malformed table is refused in one line naming its file."""

import json

import pytest

from llmlab import catalog
from llmlab.errors import LlmlabError
from llmlab.laws.cost import training_cost


@pytest.fixture
def override(tmp_path, monkeypatch):
    """Write tables into a temporary LLMLAB_CATALOG folder; the packaged catalog is restored afterwards."""

    def write(table: str, content) -> None:
        text = content if isinstance(content, str) else json.dumps(content)
        (tmp_path / f"{table}.json").write_text(text)
        catalog.reload()

    monkeypatch.setenv(catalog.OVERRIDE_VARIABLE, str(tmp_path))
    catalog.reload()
    yield write
    monkeypatch.delenv(catalog.OVERRIDE_VARIABLE, raising=False)
    catalog.reload()


def _with_new_gpu() -> dict:
    gpus = json.loads(json.dumps(catalog.accelerators()))
    gpus["lab-gpu"] = {**gpus["h100"], "label": "Lab GPU", "bf16_tflops": 100.0}
    return gpus


def test_a_gpu_added_in_an_override_folder_is_usable(override):
    packaged_models = catalog.models()
    override("accelerators", _with_new_gpu())
    assert catalog.accelerator("LAB-GPU")["bf16_tflops"] == 100.0
    run = training_cost(1e21, "lab-gpu", mfu=0.5)
    assert run.gpu_hours == pytest.approx(1e21 / (100e12 * 0.5) / 3600)
    assert catalog.models() == packaged_models  # tables not in the folder stay packaged


def test_reload_forgets_the_override(override, monkeypatch):
    override("accelerators", _with_new_gpu())
    assert "lab-gpu" in catalog.accelerators()
    monkeypatch.delenv(catalog.OVERRIDE_VARIABLE)
    assert "lab-gpu" in catalog.accelerators()  # read once, until reloaded
    catalog.reload()
    assert "lab-gpu" not in catalog.accelerators()


@pytest.mark.parametrize(
    "table, content, message",
    [
        ("accelerators", "[1, 2]", "must hold a JSON object"),
        ("accelerators", "{broken", "not valid JSON"),
        ("accelerators", '{"x": {"bf16_tflops": NaN}}', "NaN"),
        ("accelerators", {"lab-gpu": 5}, "'lab-gpu' must be a JSON object"),
        ("accelerators", {"Lab-GPU": {}}, "lower-case name"),
        ("fits", {"mine": {**catalog.fits()["chinchilla"], "fitted_range": {"params": [1, 2]}}},
         "field 'fitted_range' lacks the field 'source'"),
        ("accelerators", {"lab-gpu": {"label": "Lab GPU"}}, "lacks the field 'bandwidth_tbs'"),
        ("fits", {"mine": {"form": "chinchilla", "description": 5}}, "field 'date'"),
        ("planning", {**catalog.planning(), "use_cases": []}, "entry 'use_cases' must be a JSON object"),
    ],
)
def test_malformed_tables_are_refused_naming_the_file(override, table, content, message):
    override(table, content)
    with pytest.raises(LlmlabError, match=message) as error:
        catalog._load(table)
    assert f"{table}.json" in str(error.value) and "\n" not in str(error.value)


def test_a_wrongly_typed_field_is_refused(override):
    gpus = _with_new_gpu()
    gpus["lab-gpu"]["bf16_tflops"] = "fast"
    override("accelerators", gpus)
    with pytest.raises(LlmlabError, match="'bf16_tflops' must be a JSON number, got 'fast'"):
        catalog.accelerator("lab-gpu")


def test_an_override_that_is_not_a_folder_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv(catalog.OVERRIDE_VARIABLE, str(tmp_path / "missing"))
    catalog.reload()
    try:
        with pytest.raises(LlmlabError, match="LLMLAB_CATALOG names .* not a folder"):
            catalog.fits()
    finally:
        monkeypatch.delenv(catalog.OVERRIDE_VARIABLE)
        catalog.reload()
