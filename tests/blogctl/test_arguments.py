"""blogctl's two kinds of command, and what it says when one is given the other's target."""

import pytest

from blogctl.cli import main

WXR = "export.xml"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--api-url", "https://api.example", "import-wxr", WXR],
            "import-wxr reads and writes the table directly, not through the API: name it with "
            "--stack, --table, or --local --endpoint-url URL",
        ),
        (
            ["--local", "export", "backup.jsonl"],
            "--local needs --endpoint-url for export: the embedded DynamoDB's address, which `make run` "
            "prints first (DynamoDB http://127.0.0.1:PORT embedded (moto), table blog-local)",
        ),
        (
            ["import-jsonl", "backup.jsonl"],
            "say which table: --stack NAME, --table NAME, or --local --endpoint-url URL",
        ),
        (
            ["--table", "blog", "close", "sommerfest"],
            "close works through the API: name it with --stack, --api-url or --local (--table and "
            "--endpoint-url are for import-wxr, export, import-jsonl, migrate)",
        ),
        (
            ["--local", "--endpoint-url", "http://127.0.0.1:9", "pending"],
            "pending works through the API: name it with --stack, --api-url or --local (--table and "
            "--endpoint-url are for import-wxr, export, import-jsonl, migrate)",
        ),
    ],
)
def test_a_command_given_the_wrong_kind_of_target_says_which_it_needs(capsys, arguments, message):
    assert main(arguments) == 1
    assert capsys.readouterr().err == f"blogctl: {message}\n"


def test_one_table_at_a_time(capsys):
    with pytest.raises(SystemExit) as exit_code:
        main(["--stack", "blog", "--table", "blog", "export", "backup.jsonl"])

    assert exit_code.value.code == 2
    assert "not allowed with argument --stack" in capsys.readouterr().err


def test_the_help_tells_the_two_kinds_apart(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])

    help_text = " ".join(capsys.readouterr().out.split())
    assert (
        "The table commands (import-wxr, export, import-jsonl, migrate) read and write the DynamoDB table"
        in help_text
    )
    assert "go through the API and need --stack, --api-url or --local" in help_text
