"""The ``python -m trax_models`` dispatcher: help, unknown commands, user errors → exit 2."""
import argparse

import pytest

from trax_models import __main__ as entry
from trax_models.errors import UserError


def test_help_lists_commands(capsys):
    assert entry.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in entry.COMMANDS:
        assert command in out


def test_no_command_is_an_error(capsys):
    assert entry.main([]) == 2


def test_unknown_command_exits_2_with_one_clear_line(capsys):
    assert entry.main(["fly"]) == 2
    err = capsys.readouterr().err
    assert "error: unknown command 'fly'" in err and "train" in err


def test_user_error_becomes_one_line_and_exit_2(capsys, monkeypatch):
    def cli(argv):
        raise UserError(f"bad thing {argv} — do this instead")

    monkeypatch.setitem(entry.COMMANDS, "fake", cli)
    assert entry.main(["fake", "x"]) == 2
    assert capsys.readouterr().err.strip() == "error: bad thing ['x'] — do this instead"


# --- One consistent command line: every command's parser -----------------------------------------

class _Parsed(Exception):
    """Raised in place of parsing: carries the parser a command was about to parse with."""

    def __init__(self, parser):
        super().__init__(parser.prog)
        self.parser = parser


def _parser(command):
    """The parser that ``command`` really parses its argv with (caught before any work)."""
    def caught(self, args=None, namespace=None):
        raise _Parsed(self)

    original = argparse.ArgumentParser.parse_args
    argparse.ArgumentParser.parse_args = caught
    try:
        with pytest.raises(_Parsed) as parsed:
            entry.COMMANDS[command]([])
    finally:
        argparse.ArgumentParser.parse_args = original
    return parsed.value.parser


def _help(parser, action):
    """``action``'s help as ``--help`` prints it (with the default the formatter appends)."""
    return parser._get_formatter()._expand_help(action) if action.help else ""


def _shown(parser):
    """The arguments ``--help`` shows (not the hidden ones: help=SUPPRESS, old aliases kept
    working)."""
    return [a for a in parser._actions if a.help != argparse.SUPPRESS]


def _flags(command):
    parser = _parser(command)
    return [(parser, a) for a in _shown(parser) if a.option_strings]


@pytest.mark.parametrize("command", sorted(entry.COMMANDS))
def test_every_argument_has_help_text(command):
    parser = _parser(command)
    missing = [a.option_strings or a.dest for a in _shown(parser) if not (a.help or "").strip()]
    assert not missing, f"{command}: no help text for {missing}"


def _both_spellings_missing(command):
    missing = []
    for _, action in _flags(command):
        for flag in action.option_strings:
            if flag.startswith("--") and ("-" in flag[2:] or "_" in flag[2:]):
                want = {"--" + flag[2:].replace("_", "-"), "--" + flag[2:].replace("-", "_")}
                missing += sorted(want - set(action.option_strings))
    return missing


@pytest.mark.parametrize("command", sorted(entry.COMMANDS))
def test_every_multiword_flag_has_both_spellings(command):
    """--output-dir and --output_dir, --max-new-tokens and --max_new_tokens: on every command."""
    missing = _both_spellings_missing(command)
    assert not missing, f"{command} does not accept {missing}"


@pytest.mark.parametrize("command", sorted(entry.COMMANDS))
def test_every_default_is_shown_once(command):
    """Once: never "(default: article) (default: None)"; a flag that takes a value and is not
    required says its default (in words where it is None); no "(default: None)" anywhere."""
    parser = _parser(command)
    wrong = []
    for _, action in _flags(command):
        shown = _help(parser, action).count("default:")
        takes_value = action.nargs != 0 and not action.required  # not a switch, not required
        if shown > 1 or (takes_value and shown != 1):
            wrong.append(f"{'/'.join(action.option_strings)}: {_help(parser, action)!r}")
    assert not wrong, f"{command}: the default is not shown exactly once:\n" + "\n".join(wrong)
    assert "(default: None)" not in parser.format_help()


@pytest.mark.parametrize("command", sorted(entry.COMMANDS))
def test_every_command_help_prints(command, capsys):
    with pytest.raises(SystemExit) as done:
        entry.COMMANDS[command](["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m trax_models {command}")
    assert "(default: None)" not in out


def test_top_level_help_is_plain_text(capsys):
    assert entry.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "``" not in out
    for internal in ("UserError", "trax_models.", "TransformerLM"):
        assert internal not in out, internal


def test_train_takes_both_spellings_into_the_config_fields():
    """train's dests stay TrainConfig's field names whichever spelling is typed."""
    import dataclasses

    from trax_models.summarizer import cli
    from trax_models.summarizer.config import TrainConfig
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    dests = {a.dest for a in cli.train_parser()._actions} - {"help", "gin_file", "gin_param"}
    assert dests <= fields, dests - fields
    for spelling in ("--output-dir", "--output_dir"):
        config = cli.config_from_args([spelling, "somewhere", "--d-model", "64", "--n_layers", "3"])
        assert (config.output_dir, config.d_model, config.n_layers) == ("somewhere", 64, 3)


def test_finetune_help_names_the_model_make_train_writes():
    from trax_models.transfer import cli
    text = " ".join(cli.finetune_parser().format_help().split())
    assert "pointer_lm" in text and "transformer_lm" in text
    assert "a trained TransformerLM" not in text
