"""The first step above the floor: Powertools' Logger and Metrics around a handler that reads the
slug from the path by hand, makes the floor's Query (a boto3 client created on first use) and
answers with `json.dumps`. No pydantic, no event handler. bench.cold_start measures it next to the
floor and the blog's functions.
"""

import json
import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    import boto3

    slug = event["rawPath"].rsplit("/", 1)[-1]
    found = boto3.client("dynamodb").query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"POST#{slug}"}},
        Limit=1,
    )
    body = json.dumps({"slug": slug, "items": len(found["Items"])})
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}
