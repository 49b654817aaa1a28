"""The size of the built layer, unzipped: what `sam build` put in .aws-sam/build/BlogLayer."""

from pathlib import Path

from local.template import PROJECT_ROOT

BUILT_LAYER = PROJECT_ROOT / ".aws-sam" / "build" / "BlogLayer"
MB = 1024 * 1024


def unzipped_mb(directory: Path = BUILT_LAYER) -> float | None:
    """The size of every file of the built layer in MB (2^20 bytes); None when it is not built."""
    if not directory.is_dir():
        return None
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file()) / MB


def has_boto(directory: Path = BUILT_LAYER) -> bool:
    """Whether boto3 or botocore made it into the layer (they must not: the runtime has them)."""
    return any((directory / "python" / name).exists() for name in ("boto3", "botocore"))
