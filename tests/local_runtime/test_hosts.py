"""The local servers answer only requests for themselves: Host 127.0.0.1:<port> or localhost:<port>.

Any other Host may be a DNS rebinding: a page of another site whose name now resolves to 127.0.0.1,
which the browser then lets read this machine's API, and sign admin calls with the documented local
credentials. Those requests get 421 Misdirected Request and reach no function.
"""

import re
from urllib.parse import urlsplit

import pytest

from tests.local_server import LocalServer


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_the_api_answers_its_own_names(server: LocalServer, name: str) -> None:
    answer = server.request("GET", "/posts", headers={"Host": f"{name}:{port_of(server.api_url)}"})

    assert answer.status == 200


@pytest.mark.parametrize(
    "host",
    ["rebound.example:{port}", "rebound.example", "127.0.0.1", "127.0.0.1:1", "localhost.example:{port}", ""],
)
def test_the_api_refuses_any_other_host(server: LocalServer, host: str) -> None:
    port = port_of(server.api_url)

    answer = server.request("GET", "/posts", headers={"Host": host.format(port=port)})

    assert answer.status == 421
    assert answer.headers["Content-Type"] == "application/json"
    message = answer.json()["message"]
    assert message.startswith("Misdirected Request: this local server answers only Host ")
    assert f"localhost:{port}" in message


def test_a_signed_admin_call_for_another_host_reaches_no_function(server: LocalServer) -> None:
    answer = server.request("POST", "/posts/rebound/close", signed=True, headers={"Host": "rebound.example"})

    assert answer.status == 421
    assert "Misdirected Request" in answer.json()["message"]


def test_the_site_answers_its_own_names_and_refuses_others(server: LocalServer) -> None:
    port = port_of(server.site_url)

    own = server.request("GET", "/config.js", base_url=server.site_url, headers={"Host": f"localhost:{port}"})
    other = server.request("GET", "/config.js", base_url=server.site_url, headers={"Host": "rebound.example"})

    assert own.status == 200
    assert other.status == 421
    assert b"apiBaseUrl" not in other.body


def test_a_feed_names_the_host_it_was_asked_for_as_on_aws_with_an_empty_public_api_url(
    server: LocalServer,
) -> None:
    port = port_of(server.api_url)

    answer = server.request("GET", "/feed.atom", headers={"Host": f"localhost:{port}"})

    assert answer.status == 200
    self_link = re.search(rb'<link[^>]*rel="self"[^>]*>', answer.body)
    assert self_link is not None, answer.body[:500]
    assert f'://localhost:{port}/feed.atom"'.encode() in self_link[0]
