"""Daily (EventBridge schedule): close the threads of posts older than CloseCommentsAfterDays."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from blog import publishing
from blog.settings import get_settings
from blog.store import get_store
from blog.telemetry import logger, metrics
from blog.timestamps import utc_now


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    closed = publishing.close_expired_threads(get_store(), get_settings(), now=utc_now())
    metrics.add_metric(name="ThreadsAutoClosed", unit=MetricUnit.Count, value=len(closed))
    logger.info("closed the threads of posts past the age limit", extra={"closed": closed})
    return {"closed": closed}
