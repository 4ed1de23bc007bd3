"""``train --preset``: named settings under gin and the flags; the course's full-size run at toy
scale on the shared CNN/DailyMail sample (resolves, trains a few steps, resumes)."""

import pytest

from trax_models import sources
from trax_models.errors import UserError
from trax_models.summarizer import checkpoint, presets
from trax_models.summarizer.cli import config_from_args
from trax_models.summarizer.config import TrainConfig
from trax_models.summarizer.train import train


def test_cpu_is_the_defaults_and_course_is_the_graded_assignments_run():
    assert config_from_args([]) == TrainConfig()
    assert config_from_args(["--preset", "cpu"]) == TrainConfig()
    c = config_from_args(["--preset", "course"])
    assert (c.d_model, c.d_ff, c.n_layers, c.n_heads, c.dropout) == (512, 2048, 6, 8, 0.1)
    assert (c.source, c.vocab_file, c.model_vocab_size) == (
        "cnn_dailymail", "summarize32k.subword.subwords", 33300)
    assert (c.boundaries, c.batch_sizes) == ((128, 256, 512, 1024), (16, 8, 4, 2, 1))
    assert (c.lr, c.warmup_steps, c.article_weight) == (0.01, 1000, 0.0)
    assert c.model == "transformer_lm"  # the graded model, not make train's pointer_lm
    assert c.model_config(33021).vocab_size == 33300  # wider than the file, as the course's


def test_flags_and_gin_override_the_preset_even_at_the_default_value():
    c = config_from_args(["--preset", "course", "--d_model", "128", "--steps", "3"])
    assert c.d_model == 128 and c.steps == 3 and c.n_layers == 6  # 128 is also cpu's default
    g = config_from_args(["--preset", "course", "--gin_param", "TrainConfig.n_layers = 2"])
    assert g.n_layers == 2 and g.d_model == 512
    assert config_from_args(["--gin_param", 'TrainConfig.preset = "course"']).d_model == 512


def test_unknown_preset_and_too_narrow_model_vocab_are_one_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit):  # argparse's choices
        config_from_args(["--preset", "gpu9"])
    assert "invalid choice: 'gpu9'" in capsys.readouterr().err
    with pytest.raises(UserError, match="unknown --preset 'gpu9'"):
        presets.resolve("gpu9")


TOY = ["--d_model", "16", "--d_ff", "32", "--n_layers", "1", "--n_heads", "2",
       "--max_length", "256", "--boundaries", "128", "--batch_sizes", "2,2",
       "--eval_every", "1", "--eval_batches", "1", "--checkpoint_every", "1",
       "--rouge_articles", "0", "--shuffle_buffer", "8"]


def test_course_preset_trains_and_resumes_at_toy_scale(cnn_dm_sample, course_vocab, tmp_path):
    data_dir = sources.tfds.prepare_cnn_dailymail(str(cnn_dm_sample), str(tmp_path / "tfds"))
    out = tmp_path / "course"
    flags = ["--preset", "course", "--data_dir", data_dir, "--vocab_file", str(course_vocab),
             "--output_dir", str(out), *TOY]
    first = train(config_from_args([*flags, "--steps", "2"]))
    assert first["steps"] == 2
    saved = checkpoint.load_config(out)  # config.json + the checkpoint's model description
    assert saved["model"] == "transformer_lm" and saved["model_args"]["vocab_size"] == 33300
    assert saved["data"]["source"] == "cnn_dailymail" and saved["data"]["boundaries"] == [128]
    assert saved["train"]["lr"] == 0.01 and saved["train"]["warmup_steps"] == 1000
    again = train(config_from_args([*flags, "--steps", "3"]))
    assert again["resumed_from"] == 2 and again["steps"] == 3
    with pytest.raises(UserError, match="model_vocab_size 100 is smaller than the vocabulary"):
        train(config_from_args([*flags, "--model_vocab_size", "100", "--fresh"]))
