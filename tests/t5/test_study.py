"""The study's plan and tables (the training itself is tests/t5/test_train_cli.py's)."""
from trax_models.t5 import study
from trax_models.t5 import tasks as T


def test_every_arm_has_the_same_model_and_steps_but_the_longer_one():
    arms = study.arms("default")
    names = [a[0] for a in arms]
    assert names[:3] == [f"multi {m}" for m in study.MULTI]
    assert names[3:8] == [f"single {t}" for t in T.TASKS]
    steps = study.CONFIGS["default"]["train"]["steps"]
    assert {a[3] for a in arms[:8]} == {steps} and arms[8][3] == 5 * steps
    assert all(a[2] is None and a[1].count("=") == 1 for a in arms[3:8])  # one task each


def test_the_long_size_runs_the_eight_equal_step_arms_longer_with_a_longer_warmup(tmp_path):
    arms = study.arms("long")
    assert [a[0] for a in arms] == [a[0] for a in study.arms("default")][:8]
    assert {a[3] for a in arms} == {2000}
    long = study.arm_config("long", None, "equal", 2000, tmp_path)
    short = study.arm_config("default", None, "equal", 600, tmp_path)
    assert (long.warmup_steps, short.warmup_steps) == (1000, 100)
    assert (long.d_model, long.lr, long.steps) == (short.d_model, short.lr, 2000)


def test_baselines_are_what_a_model_that_ignores_its_input_scores():
    b = study.baselines(20)
    assert b["summarize"]["baseline"] == "Lead-3" and b["summarize"]["score"] > 0.2
    assert b["classify"]["baseline"].startswith("always ") and b["stsb"]["score"] == 0.0


def test_the_tables_render_every_task_and_arm():
    score = {"score": 0.5, "metric": "accuracy", "valid": 1.0}
    arms = {"multi equal": {"scores": {"classify": score, "stsb": score},
                            "rates": {"classify": 0.5, "stsb": 0.5},
                            "epochs": {"classify": 1.0, "stsb": 2.0},
                            "prefix_swap": {"matrix": {"classify": {"classify": 1.0},
                                                       "stsb": {"stsb": 0.5}}}},
            "single classify": {"scores": {"classify": score}}}
    md = study.markdown({"arms": arms, "baselines": study.baselines(5, ["classify", "stsb"])})
    assert "| classify (accuracy) | 0.500 | 0.500 |" in md and "| stsb (accuracy) | – | 0.500 |" in md
    assert "0.500 (1.0)" in md and "| stsb: | 0.50 |" in md
