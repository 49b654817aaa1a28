"""A reader's data by email address, exported or erased (GDPR Art. 15 and 17; AWS_IAM).

Both routes take the address in a POST body: access logs record paths, never bodies.
"""

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response

from blog import priming, reader_data
from blog.http_api import ADMIN_SECURITY, create_resolver, documented, entry_point, json_response, problems
from blog.models import ReaderData, ReaderErasure, ReaderRequest
from blog.store import get_store
from blog.timestamps import utc_now

app = create_resolver()
REFUSALS = problems(HTTPStatus.BAD_REQUEST, HTTPStatus.UNSUPPORTED_MEDIA_TYPE, HTTPStatus.SERVICE_UNAVAILABLE)


@app.post(
    "/admin/readers/data",
    operation_id="exportReaderData",
    tags=["Readers"],
    summary="Everything stored under an email address (GDPR Art. 15)",
    description="Changes nothing. The reader's comments with their post and status, their "
    "subscriptions, and whether the address is suppressed. A POST, so that the address stays out of "
    "access logs.",
    security=ADMIN_SECURITY,
    responses={**documented(HTTPStatus.OK, ReaderData, "The reader's data, oldest first"), **REFUSALS},
)
def export_reader_data(request: ReaderRequest) -> Response[str]:
    return json_response(reader_data.export_reader_data(get_store(), request.email))


@app.post(
    "/admin/readers/forget",
    operation_id="forgetReader",
    tags=["Readers"],
    summary="Erase what is stored under an email address (GDPR Art. 17)",
    description="Comments lose name, email, URL and text (removed, or a tombstone where others "
    "replied; counts stay exact); subscriptions, duplicate guards and idempotency records go; the "
    "address (its keyed hash) is suppressed, so it is never mailed again. Again: nothing more to do.",
    security=ADMIN_SECURITY,
    responses={**documented(HTTPStatus.OK, ReaderErasure, "What the erasure did"), **REFUSALS},
)
def forget_reader(request: ReaderRequest) -> Response[str]:
    return json_response(reader_data.forget_reader(get_store(), request.email, now=utc_now()))


_PRIMING_READER = {"email": "snapstart@priming.invalid"}
primer = priming.prime_http(
    app,
    bodies={"POST /admin/readers/data": _PRIMING_READER, "POST /admin/readers/forget": _PRIMING_READER},
)
lambda_handler = entry_point(app)
