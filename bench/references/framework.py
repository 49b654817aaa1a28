"""The framework's own cold start: what any function built on Powertools' event handler, as the
blog's functions are, pays before a line of the blog runs.

Powertools' HTTP API resolver with pydantic validation, its Logger and Metrics around the handler,
one route with a validated path and query parameter and a pydantic answer, and the floor's call: a
boto3 client created on first use and one Query. bench.cold_start measures it next to the floor.
"""

import os
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

logger = Logger()
metrics = Metrics()
app = APIGatewayHttpResolver(enable_validation=True)


class Page(BaseModel):
    slug: str
    items: int


@app.get("/posts/<slug>")
def read(slug: str, limit: Annotated[int, Query(ge=1, le=50)] = 20) -> Response[str]:
    import boto3

    client = boto3.client("dynamodb")
    found = client.query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"POST#{slug}"}},
        Limit=min(limit, 1),
    )
    return Response(200, "application/json", Page(slug=slug, items=len(found["Items"])).model_dump_json())


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
