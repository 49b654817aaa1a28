"""The Lambda context object a handler receives, for functions run outside Lambda.

Standard library only: the processes that run a handler as Lambda does, where nothing of this
project may be importable (local/lambda_runtime.py, bench/cold_start_child.py,
tests/build_output/run_handler.py), load it from this file with `runpy.run_path`.
"""

import time
import uuid
from dataclasses import dataclass, field


@dataclass
class LocalLambdaContext:
    """What Powertools and handlers read from Lambda's context object."""

    function_name: str
    timeout_seconds: int = 10
    memory_limit_in_mb: int = 1024
    function_version: str = "$LATEST"
    region: str = "us-east-1"
    account_id: str = "123456789012"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
