"""Every command's --help shows its help text whole: square brackets in it ("[source]",
meaning optional) are text, not console markup to be swallowed (issue 19)."""

import re

import pytest
import typer
from typer.testing import CliRunner

from gcrm.cli import app

OPTIONAL = re.compile(r"\[\w+\]")


def _commands(group, path=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group (typer ships its own click)
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _with_brackets():
    found = []
    for path, command in _commands(typer.main.get_command(app)):
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        words = sorted({w for t in texts for w in OPTIONAL.findall(t.replace("\\[", "["))})
        if words:
            found.append(pytest.param(path, words, id=" ".join(path)))
    return found


def test_campaign_responses_says_its_optional_columns():
    result = CliRunner().invoke(app, ["campaign", "responses", "--help"], terminal_width=100)
    assert result.exit_code == 0
    text = " ".join(result.output.replace("│", " ").split())
    assert "external_id, responded_at, [source], [response]" in text


@pytest.mark.parametrize(("path", "words"), _with_brackets())
def test_no_help_loses_its_bracketed_words(path, words):
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0
    for word in words:
        assert word in result.output, f"gcrm {' '.join(path)} --help lost {word}"
