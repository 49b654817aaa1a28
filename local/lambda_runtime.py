"""The process one function runs in, as a Lambda execution environment runs it.

local.workers starts it as a script (`python -I lambda_runtime.py SETTINGS`), so that its module
namespace and sys.path are the function's own: its code directory, then its layers' content (where
Lambda puts a Python layer, /opt/python), then the interpreter's libraries. It imports the handler
once (the Init phase), then serves one invocation at a time: a request (the event) arrives on one
pipe, the answer (the handler's result, or Lambda's error payload) leaves on another. What the
function prints goes to stdout and stderr, which the parent shows as the function's log.

It runs with nothing of this project importable, so it uses the standard library only and loads
the Lambda context class from its file.
"""

import importlib
import json
import os
import runpy
import struct
import sys
import time
import traceback
from pathlib import Path
from typing import Any, BinaryIO

LENGTH = struct.Struct(">I")
"""Every message is its JSON's length (4 bytes, big-endian), then the JSON in UTF-8."""


def encode_message(message: Any) -> bytes:
    """A message as it travels through the pipes."""
    data = json.dumps(message, ensure_ascii=False).encode()
    return LENGTH.pack(len(data)) + data


def read_message(stream: BinaryIO) -> Any:
    """The next message on `stream`, or None when the other side has closed it."""
    header = stream.read(LENGTH.size)
    if len(header) < LENGTH.size:
        return None
    (length,) = LENGTH.unpack(header)
    return json.loads(stream.read(length))


def error_payload(error_type: str, message: str, stack: list[str] | None = None) -> dict[str, Any]:
    """An error as Lambda reports it to the caller."""
    return {"errorMessage": message, "errorType": error_type, "stackTrace": stack or []}


def _log_error(error: BaseException) -> list[str]:
    """Log an error as Lambda does (`[ERROR] Type: message`, the traceback); its stack trace."""
    # The first frame is this runtime's, which is none of the function's business.
    user_frames = error.__traceback__.tb_next if error.__traceback__ else None
    print(f"[ERROR] {type(error).__name__}: {error}", file=sys.stderr)
    print("".join(traceback.format_exception(type(error), error, user_frames)), end="", file=sys.stderr)
    return traceback.format_tb(user_frames)


def load_handler(module_name: str, handler_name: str) -> tuple[Any, dict[str, Any] | None]:
    """The handler, or the error Lambda reports when the Init phase fails."""
    try:
        module = importlib.import_module(module_name)
    except SyntaxError as error:
        return None, error_payload("Runtime.UserCodeSyntaxError", str(error), _log_error(error))
    except ImportError as error:
        message = f"Unable to import module '{module_name}': {error}"
        return None, error_payload("Runtime.ImportModuleError", message, _log_error(error))
    except Exception as error:
        return None, error_payload(type(error).__name__, str(error), _log_error(error))
    handler = getattr(module, handler_name, None)
    if not callable(handler):
        message = f"Handler '{handler_name}' missing on module '{module_name}'"
        print(f"[ERROR] Runtime.HandlerNotFound: {message}", file=sys.stderr)
        return None, error_payload("Runtime.HandlerNotFound", message)
    return handler, None


def invoke(handler: Any, event: Any, context: Any) -> dict[str, Any]:
    """Run the handler on one event: `{"response": ...}`, or `{"error": ...}` when it raised."""
    try:
        return {"response": handler(event, context)}
    except Exception as error:
        return {"error": error_payload(type(error).__name__, str(error), _log_error(error))}


def encode_answer(answer: dict[str, Any]) -> bytes:
    """An answer ready to send; a response JSON cannot express is the error Lambda reports."""
    try:
        return encode_message(answer)
    except (TypeError, ValueError) as error:
        message = f"Unable to marshal response: {error}"
        print(f"[ERROR] Runtime.MarshalError: {message}", file=sys.stderr)
        return encode_message(
            {**answer, "response": None, "error": error_payload("Runtime.MarshalError", message)}
        )


def main() -> None:
    settings = json.loads(sys.argv[1])
    context_class = runpy.run_path(str(Path(__file__).with_name("context.py")))["LocalLambdaContext"]
    sys.path[:0] = [settings["code_dir"], *settings["layer_dirs"]]
    started = time.perf_counter()
    handler, init_error = load_handler(settings["handler_module"], settings["handler_name"])
    # The first answer says how long the Init phase took: that invocation was a cold start.
    init_ms: float | None = (time.perf_counter() - started) * 1000
    with (
        os.fdopen(settings["request_fd"], "rb") as requests,
        os.fdopen(settings["response_fd"], "wb") as answers,
    ):
        while (request := read_message(requests)) is not None:
            if init_error is not None:
                answer = {"error": init_error}
            else:
                context = context_class(
                    function_name=settings["function_name"],
                    timeout_seconds=settings["timeout_seconds"],
                    memory_limit_in_mb=settings["memory_mb"],
                )
                answer = invoke(handler, request["event"], context)
            answers.write(encode_answer({**answer, "init_ms": init_ms}))
            answers.flush()
            init_ms = None


if __name__ == "__main__":
    main()
