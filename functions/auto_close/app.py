"""Daily (EventBridge schedule): close the threads of posts older than CloseCommentsAfterDays."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from blog import priming, publishing
from blog.settings import Settings, get_settings
from blog.store import get_store
from blog.telemetry import logger, metrics
from blog.timestamps import utc_now


def close_expired_threads(settings: Settings) -> list[str]:
    return publishing.close_expired_threads(get_store(), settings, now=utc_now())


# Primed as if threads closed after a day, so that the index Query and the close run whatever the setting.
primer = priming.prime_job(
    "close expired threads",
    lambda: close_expired_threads(get_settings().model_copy(update={"close_comments_after_days": 1})),
)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    closed = close_expired_threads(get_settings())
    metrics.add_metric(name="ThreadsAutoClosed", unit=MetricUnit.Count, value=len(closed))
    logger.info("closed the threads of posts past the age limit", extra={"closed": closed})
    return {"closed": closed}
