"""`python -m local serve` and `python -m local invoke`: the blog on a laptop, without Docker."""

import argparse
import sys
from pathlib import Path

from local.api import DEFAULT_API_PORT
from local.console import Console
from local.embedded_dynamodb import DynamoDBUnreachable
from local.invoke import InvokeError, InvokeOptions, invoke
from local.mail import local_parameter_defaults
from local.parameters import ParameterError, parse_overrides, resolve_parameters
from local.serve import PortInUse, ServeOptions, serve
from local.template import TemplateError, load_template
from local.workers import DEFAULT_MAX_CONCURRENCY


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local",
        description="Run the blog API of template.yaml locally: no AWS account, no Docker.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    overrides = argparse.ArgumentParser(add_help=False)
    overrides.add_argument(
        "--parameter-overrides",
        nargs="+",
        default=[],
        metavar="Name=Value",
        help="template parameters, as for sam (e.g. CommentModeration=all CacheMaxAgeSeconds=5)",
    )

    serve_command = commands.add_parser(
        "serve", parents=[overrides], help="the API, the demo site and the demo content (make run)"
    )
    serve_command.add_argument(
        "--port",
        type=int,
        default=DEFAULT_API_PORT,
        help=f"port of the API (default {DEFAULT_API_PORT}; 0: any free)",
    )
    serve_command.add_argument(
        "--site-port", type=int, default=8080, help="port of the demo site (default 8080; 0: any free)"
    )
    serve_command.add_argument("--no-demo", action="store_true", help="start with an empty table")
    serve_command.add_argument(
        "--mail-dir",
        type=Path,
        metavar="DIR",
        help="where each mail the functions send is saved as an .eml file (default: a new temporary folder)",
    )
    serve_command.add_argument(
        "--max-concurrency",
        type=_positive,
        default=DEFAULT_MAX_CONCURRENCY,
        metavar="N",
        help=(
            "invocations a function without reserved concurrency runs at once, each in a worker of "
            f"its own; more wait for a free worker (default {DEFAULT_MAX_CONCURRENCY})"
        ),
    )

    invoke_command = commands.add_parser(
        "invoke", parents=[overrides], help="run one function on one event, as sam local invoke (make invoke)"
    )
    invoke_command.add_argument("function", help="logical id (GetPostFunction) or folder name (get_post)")
    invoke_command.add_argument(
        "-e", "--event", type=Path, required=True, help="the event, e.g. events/get_post.json"
    )
    invoke_command.add_argument(
        "--mail-dir",
        type=Path,
        metavar="DIR",
        help="where each mail the function sends is saved as an .eml file (default: a new temporary "
        "folder, named at the end when the function sent mail)",
    )
    invoke_command.add_argument(
        "--env-vars",
        type=Path,
        help='environment variables as for sam: {"GetPostFunction": {"VAR": "value"}, "Parameters": {...}}',
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    template = load_template()
    try:
        overrides = parse_overrides(arguments.parameter_overrides)
        parameters = resolve_parameters(template, {**local_parameter_defaults(template), **overrides})
    except ParameterError as error:
        parser.error(f"--parameter-overrides: {error}")
    try:
        if arguments.command == "serve":
            options = ServeOptions(
                port=arguments.port,
                site_port=arguments.site_port,
                parameters=parameters,
                demo=not arguments.no_demo,
                max_concurrency=arguments.max_concurrency,
                mail_dir=arguments.mail_dir,
            )
            serve(template, options, Console())
            return 0
        return invoke(
            template,
            InvokeOptions(
                function=arguments.function,
                event_file=arguments.event,
                env_vars_file=arguments.env_vars,
                parameters=parameters,
                mail_dir=arguments.mail_dir,
            ),
        )
    except (DynamoDBUnreachable, InvokeError, PortInUse, TemplateError) as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
