"""Imports one built handler the way Lambda does, and optionally invokes it once.

Run by tests/build_output as `python -I -S run_handler.py` (no site-packages, no environment variables
read by Python), with a JSON request on stdin: `path` (the function folder, the layer, the
runtime's packages, in Lambda's order), `module` and `handler`, optionally `event`, and `result`:
the file that gets where every imported module came from and the handler's response (stdout is
the function's own, for its logs and metrics).
"""

import importlib
import json
import runpy
import sys
from pathlib import Path

LocalLambdaContext = runpy.run_path(str(Path(__file__).parents[2] / "local" / "context.py"))[
    "LocalLambdaContext"
]


def main() -> None:
    request = json.load(sys.stdin)
    sys.path[:0] = request["path"]
    module = importlib.import_module(request["module"])
    handler = getattr(module, request["handler"])
    response = None
    if request.get("event") is not None:
        response = handler(request["event"], LocalLambdaContext(function_name=request["function_name"]))
    origins = {
        name: getattr(loaded, "__file__", None)
        for name, loaded in list(sys.modules.items())
        if getattr(loaded, "__file__", None) and name not in ("__main__", "__mp_main__")  # this script
    }
    with Path(request["result"]).open("w", encoding="utf-8") as result:
        json.dump({"modules": origins, "response": response}, result)


if __name__ == "__main__":
    main()
