"""The ``python -m trax_models`` dispatcher: help, unknown commands, user errors → exit 2."""
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
