"""`python -m local invoke FUNCTION -e EVENT`: one function on one event, as `sam local invoke`.

The function runs in a worker of its own, as under `serve`. Its log goes to stderr, its response (or
Lambda's error payload) to stdout. Its data is the demo blog on the embedded DynamoDB, loaded
through the API first, unless DYNAMODB_ENDPOINT names another DynamoDB. The mail it sends goes to
moto's SES and is logged and saved as under `serve`: in the folder --mail-dir names, else in a new
one that stderr names at the end. Links in that mail (MAIL_LINK_BASE_URL, unless it is the
PublicApiUrl given) name the local API where `serve` listens by default, so they work while
`make run` runs.
"""

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.api import DEFAULT_API_PORT, load_demo_content, local_deployment, local_mail_links, running_api
from local.console import Console
from local.demo import DemoLoadError
from local.embedded_dynamodb import LocalDynamoDB, local_dynamodb
from local.lambda_runtime import error_payload
from local.mail import default_mail_folder, local_mail
from local.server import LOOPBACK
from local.template import FunctionDefinition, LocalDeployment, functions
from local.workers import FunctionTimedOut, FunctionWorker, WorkerExited, lambda_environment

SHARED_ENV_VARS = "Parameters"
"""The key of SAM's --env-vars file whose variables apply to every function."""


class InvokeError(Exception):
    """The command line names something that is not there."""


@dataclass(frozen=True)
class InvokeOptions:
    """The command line of `invoke`."""

    function: str
    event_file: Path
    env_vars_file: Path | None
    parameters: Mapping[str, str]
    mail_dir: Path | None = None
    """Where each mail sent is saved; None: a new temporary folder, removed when it got none."""


def find_function(lambda_functions: Mapping[str, FunctionDefinition], name: str) -> FunctionDefinition:
    """The function with this logical id (GetPostFunction) or folder name (get_post)."""
    if name in lambda_functions:
        return lambda_functions[name]
    for function in lambda_functions.values():
        if function.folder_name == name:
            return function
    known = ", ".join(
        f"{function.logical_id} ({function.folder_name})" for function in lambda_functions.values()
    )
    raise InvokeError(f"the template has no function {name!r}; it has {known}")


def _environment_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def env_var_overrides(env_vars: Mapping[str, Any], function: FunctionDefinition) -> dict[str, str]:
    """The variables SAM's --env-vars file sets for `function`: its own section over `Parameters`,
    and like SAM only variables the template declares for it."""
    values = {**env_vars.get(SHARED_ENV_VARS, {}), **env_vars.get(function.logical_id, {})}
    return {name: _environment_value(value) for name, value in values.items() if name in function.environment}


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvokeError(f"cannot read the {what} {path}: {error}") from None


def invoke(template: Mapping[str, Any], options: InvokeOptions) -> int:
    """Run the function once; 0 when it returned, 1 when it raised, timed out or crashed."""
    event = _read_json(options.event_file, "event")
    env_vars = _read_json(options.env_vars_file, "--env-vars file") if options.env_vars_file else {}
    # Named wrong, nothing needs to start: the logical id is all that is looked up here.
    logical_id = find_function(
        functions(template, LocalDeployment(dict(options.parameters))), options.function
    ).logical_id
    log = Console(sys.stderr)
    with local_dynamodb(template) as database, _mail(options, database, log):
        function = functions(template, local_deployment(options.parameters, database))[logical_id]
        overrides = {
            **local_mail_links(function, options.parameters, f"http://{LOOPBACK}:{DEFAULT_API_PORT}"),
            **env_var_overrides(env_vars, function),
        }
        environment = {
            **lambda_environment(function, dynamodb_endpoint=database.endpoint, overrides=overrides),
            **database.endpoint_variables,
        }
        worker = FunctionWorker(function, environment, lambda _, line: log.line(line))
        try:
            # Its Init phase runs while the demo content loads.
            worker.start()
            if database.embedded:
                _load_demo(template, options.parameters, database, log)
            invocation = worker.invoke(event, function.timeout_seconds)
        except FunctionTimedOut:
            print(json.dumps(_timeout_error(function)))
            return 1
        except WorkerExited as exited:
            print(json.dumps(error_payload("Runtime.ExitError", str(exited))))
            return 1
        finally:
            worker.stop()
    init = "" if invocation.init_ms is None else f"\tInit Duration: {invocation.init_ms:.2f} ms"
    log.line(f"REPORT Duration: {invocation.duration_ms:.2f} ms{init}")
    if invocation.error is not None:
        print(json.dumps(invocation.error, ensure_ascii=False))
        return 1
    print(json.dumps(invocation.response, ensure_ascii=False))
    return 0


def _load_demo(
    template: Mapping[str, Any], parameters: Mapping[str, str], database: LocalDynamoDB, log: Console
) -> None:
    # Through the API on a port of its own, as serve loads it; the function then finds the demo blog.
    with running_api(template, parameters, database, host=LOOPBACK, port=0, console=log) as api:
        try:
            load_demo_content(api, log, verbose=False)
        except DemoLoadError as error:
            log.line(f"The demo content did not load completely: {error}")


@contextmanager
def _mail(options: InvokeOptions, database: LocalDynamoDB, log: Console) -> Iterator[None]:
    # Named once the function has mailed: most invocations send none and leave no folder behind.
    folder = options.mail_dir or default_mail_folder()
    try:
        with local_mail(options.parameters, database.moto_endpoint, folder, log.line):
            yield
    finally:
        if any(folder.iterdir()):
            log.line(f"Mail {folder}")
        elif options.mail_dir is None:
            folder.rmdir()


def _timeout_error(function: FunctionDefinition) -> dict[str, Any]:
    return error_payload("Sandbox.Timedout", f"Task timed out after {function.timeout_seconds:.2f} seconds")
