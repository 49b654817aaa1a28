"""The second step above the floor: the observability reference plus pydantic, without an event
handler. A model validates the path's slug and the query's limit, another serializes the answer:
what validating with pydantic costs on its own, before any router. bench.cold_start measures it.
"""

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

logger = Logger()
metrics = Metrics()


class PageRequest(BaseModel):
    slug: str
    limit: int = Field(20, ge=1, le=50)


class Page(BaseModel):
    slug: str
    items: int


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    import boto3

    query = event.get("queryStringParameters") or {}
    request = PageRequest.model_validate({"slug": event["rawPath"].rsplit("/", 1)[-1], **query})
    found = boto3.client("dynamodb").query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"POST#{request.slug}"}},
        Limit=min(request.limit, 1),
    )
    body = Page(slug=request.slug, items=len(found["Items"])).model_dump_json()
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}
