"""The planner's sourced data is well formed: API tiers, benchmark scores and the use cases' benchmarks."""

import re

import pytest

from llmlab import catalog

DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")  # a source may state only the year or the month
PROVENANCE = re.compile(r"\[(V|V2|3P|D|\?)\]|\b(README|model card|blog|arXiv|huggingface|github)\b", re.IGNORECASE)
NUMBER = (int, float)
TIERS = catalog.api_tiers()
BENCH = catalog.benchmarks()
PLAN = catalog.planning()


def is_number(value) -> bool:
    return isinstance(value, NUMBER) and not isinstance(value, bool)


def optional_number(value) -> bool:
    return value is None or (is_number(value) and value >= 0)


@pytest.mark.parametrize("key", sorted(TIERS))
def test_every_api_tier_has_the_schema(key):
    tier = TIERS[key]
    for field in ("vendor", "model", "model_id", "source", "date", "tier", "reasoning", "status"):
        assert isinstance(tier[field], str) and tier[field].strip(), field
    assert key == f"{tier['vendor'].lower()}-{tier['model_id']}"
    assert tier["tier"] in ("small", "frontier", "reasoning")
    assert tier["reasoning"] in ("none", "optional", "always")
    assert tier["status"] in ("current", "legacy", "deprecated")
    assert is_number(tier["input_per_mtok"]) and tier["input_per_mtok"] > 0
    assert is_number(tier["output_per_mtok"]) and tier["output_per_mtok"] > 0
    for field in ("cached_input_per_mtok", "cache_write_per_mtok"):
        assert field in tier and optional_number(tier[field]), field
    assert "batch_discount" in tier and (tier["batch_discount"] is None or 0 < tier["batch_discount"] < 1)
    assert isinstance(tier["context_window"], int) and tier["context_window"] > 0
    max_output = tier["max_output_tokens"]
    assert max_output is None or (isinstance(max_output, int) and max_output > 0)
    long_context = tier["long_context"]
    if long_context is not None:
        above = long_context["above_tokens"]
        assert isinstance(above, int) and 0 < above < tier["context_window"]
        assert long_context["input_per_mtok"] > tier["input_per_mtok"]
        assert long_context["output_per_mtok"] >= tier["output_per_mtok"]
        assert optional_number(long_context["cached_input_per_mtok"])
        assert long_context["applies_to"] in ("whole request", "tokens above the threshold")
    assert DATE.match(tier["date"]), tier["date"]
    assert tier["released"] is None or DATE.match(tier["released"])
    assert tier["retires"] is None or re.match(r"^\d{4}-\d{2}-\d{2}$", tier["retires"])
    assert (tier["status"] == "deprecated") == (tier["retires"] is not None)
    assert PROVENANCE.search(tier["source"]), "the source carries a provenance tag ([V], [V2], [3P], [D], [?])"
    for change in tier.get("price_changes", []):
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", change["from"])
        assert is_number(change["input_per_mtok"]) and is_number(change["output_per_mtok"])


def test_api_tiers_cover_five_vendors_and_every_tier():
    current = [t for t in TIERS.values() if t["status"] == "current"]
    assert len({t["vendor"] for t in current}) >= 5
    for vendor in ("Anthropic", "OpenAI", "Google", "DeepSeek"):
        assert any(t["vendor"] == vendor for t in current), vendor
    assert {t["tier"] for t in current} == {"small", "frontier", "reasoning"}
    assert {t["reasoning"] for t in current} == {"none", "optional", "always"}


def test_deprecated_models_people_still_use_are_kept_and_dated():
    assert TIERS["anthropic-claude-sonnet-4-5"]["retires"] == "2026-11-30"
    assert TIERS["anthropic-claude-haiku-4-5"]["status"] == "legacy"
    assert TIERS["openai-gpt-5"]["status"] == "deprecated" and TIERS["openai-gpt-5"]["retires"] == "2026-12-11"


def test_announced_repricing_is_recorded():
    argon = TIERS["google-gemini-4-argon"]
    assert argon["price_changes"] == [{"from": "2026-12-01", "input_per_mtok": 4.0, "output_per_mtok": 20.0,
                                       "cached_input_per_mtok": 0.2}]


def test_api_keys_and_model_keys_do_not_collide():
    assert not set(TIERS) & set(catalog.models())


def test_every_benchmark_is_described():
    for key, bench in BENCH["benchmarks"].items():
        for field in ("label", "measures", "unit", "source", "date", "version", "versions_note"):
            assert isinstance(bench[field], str) and bench[field].strip(), (key, field)
        assert DATE.match(bench["date"]), key
        assert isinstance(bench["composite"], bool)


def test_every_score_names_a_real_option_and_benchmark():
    options = set(TIERS) | set(catalog.models())
    for option, scores in BENCH["scores"].items():
        assert option in options, f"{option} is neither an api_tiers key nor a catalog model"
        assert scores, option
        for key, entry in scores.items():
            assert key in BENCH["benchmarks"], (option, key)
            assert is_number(entry["score"]), (option, key)
            assert isinstance(entry["setting"], str) and entry["setting"].strip(), (option, key)
            assert isinstance(entry["source"], str) and entry["source"].strip(), (option, key)
            assert DATE.match(entry["date"]), (option, key)
            for effort, score in entry.get("by_effort", {}).items():
                assert effort in ("low", "medium", "high") and is_number(score)
            assert "high" not in entry.get("by_effort", {}) or entry["by_effort"]["high"] == entry["score"]


def test_no_composite_index_mixes_versions():
    """Each index version (or leaderboard snapshot) is its own benchmark; a score names the version it came from."""
    versions = {}
    for key, bench in BENCH["benchmarks"].items():
        if bench["composite"]:
            family = key.rsplit("-", 1)[0] if key.startswith("aa-index") else key.split("-text-")[0]
            seen = versions.get((family, bench["version"]))
            assert seen is None, f"{key} repeats the version of {seen}"
            versions[(family, bench["version"])] = key
    for option, scores in BENCH["scores"].items():
        for key, entry in scores.items():
            if BENCH["benchmarks"][key]["composite"]:
                assert entry.get("version") == BENCH["benchmarks"][key]["version"], (option, key)


def coverage(benchmark: str) -> tuple[set[str], set[str]]:
    scored = {option for option, scores in BENCH["scores"].items() if benchmark in scores}
    return scored & set(TIERS), scored & set(catalog.models())


@pytest.mark.parametrize("use_case", sorted(PLAN["use_cases"]))
def test_every_use_case_names_a_benchmark_bar_effort_and_batch_tolerance(use_case):
    entry = PLAN["use_cases"][use_case]
    assert entry["benchmark"] in BENCH["benchmarks"]
    assert is_number(entry["default_min_score"]) and entry["bar_why"].strip()
    assert isinstance(entry["batch_tolerant"], bool)
    assert entry["reasoning_effort"] in ("none", "low", "medium", "high")
    api, open_models = coverage(entry["benchmark"])
    if not (api and open_models):
        assert entry.get("coverage_note", "").strip(), f"{use_case}: say why no benchmark covers both groups"
    assert api or open_models


@pytest.mark.parametrize("use_case", sorted(PLAN["use_cases"]))
def test_the_chosen_benchmark_scores_the_most_of_its_candidates(use_case):
    """Among the benchmarks a use case lists as candidates, none scores more options (API tiers and open models
    together) than the one it uses."""
    entry = PLAN["use_cases"][use_case]
    candidates = entry["benchmark_candidates"]
    assert entry["benchmark"] in candidates and set(candidates) <= set(BENCH["benchmarks"])
    chosen = sum(map(len, coverage(entry["benchmark"])))
    for key in candidates:
        assert sum(map(len, coverage(key))) <= chosen, f"{key} scores more options than {entry['benchmark']}"


def test_batch_extraction_tolerates_delay_and_math_thinks_hard():
    assert PLAN["use_cases"]["batch-extraction"]["batch_tolerant"] is True
    assert PLAN["use_cases"]["chat"]["batch_tolerant"] is False
    assert PLAN["use_cases"]["math-reasoning"]["reasoning_effort"] == "high"


def test_thinking_tokens_per_use_case_and_effort():
    table = PLAN["assumptions"]["thinking_tokens"]
    assert set(table) == set(PLAN["use_cases"])
    for use_case, budgets in table.items():
        assert list(budgets) == ["none", "low", "medium", "high"], use_case
        assert budgets["none"] == 0
        assert budgets["none"] < budgets["low"] < budgets["medium"] < budgets["high"], use_case
        assert all(isinstance(v, int) for v in budgets.values())
    assert PLAN["assumptions"]["always_reasoning_min_effort"] in ("low", "medium", "high")
    assert PLAN["assumptions"]["thinking_tokens_source"].strip()


def test_the_planner_and_projection_keys_are_there():
    """The planner and the reasoning projection read these; every tier has an assumed output speed."""
    a = PLAN["assumptions"]
    for field in ("reasoning_effort_tokens", "api_output_tokens_per_s", "api_time_to_first_token_s",
                  "reasoning_prompt_tokens", "reasoning_answer_tokens", "cache_reads_per_write", "thinking_tokens"):
        assert field in a
    assert {t["tier"] for t in TIERS.values()} <= set(a["api_output_tokens_per_s"])


def test_projection_covers_reasoning_tiers_and_costs_always_thinking_models_at_their_lowest_effort():
    from llmlab.reasoning.projection import reasoning_projection

    none = reasoning_projection("none")
    assert {row["key"] for row in none["rows"]} == {k for k, t in TIERS.items() if t["tier"] == "reasoning"}
    assert none["thinking_tokens"] == 0
    for row in none["rows"]:
        always = TIERS[row["key"]]["reasoning"] == "always"
        assert (row["thinking_tokens"] > 0) == always
        assert row["effort"] == (PLAN["assumptions"]["always_reasoning_min_effort"] if always else "none")
    high = reasoning_projection("high")
    costs = [row["cost_per_query"] for row in high["rows"]]
    assert costs == sorted(costs) and all(c > 0 for c in costs)
