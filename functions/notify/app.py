"""The table's stream: owner and reader mail, signed webhooks; every 5 minutes (EventBridge), the
`post.published` of scheduled posts whose time has come."""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from blog import notifying, priming
from blog.settings import get_notify_settings
from blog.store.notifications import get_notification_store
from blog.telemetry import logger, metrics
from blog.timestamps import utc_now

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def notify(record: DynamoDBRecord, lambda_context: LambdaContext) -> None:
    notifying.notify(
        get_notification_store(),
        get_notify_settings(),
        record.raw_event,
        now=utc_now(),
        time_left=lambda: timedelta(milliseconds=lambda_context.get_remaining_time_in_millis()),
    )


def announce_scheduled_posts() -> int:
    return notifying.announce_scheduled_posts(get_notification_store(), get_notify_settings(), now=utc_now())


primer = priming.prime_notify(processor)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Mapping[str, Any]:
    if event.get("detail-type") == "Scheduled Event":
        return {"announced": announce_scheduled_posts()}
    return process_partial_response(event=event, record_handler=notify, processor=processor, context=context)
