"""Bounds on every AWS call, so that a hostile or broken endpoint cannot hang or bloat a scan:
a deadline and a size cap per answer, a cap on pages, and answers that must have their keys."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import BotoCoreError, PaginationError

DEADLINE_SECONDS = 120.0  # for one attempt, from sending to the last byte of the answer
MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # AWS's largest pages (IAM details) are a few MB
MAX_PAGES = 10_000  # 1,000,000 items at ECS's page size of 100
CHUNK = 64 * 1024
# Where the APIs we page through put the token of the next page.
NEXT_TOKENS = ("nextToken", "NextToken", "NextMarker", "Marker")


class MalformedResponse(BotoCoreError):
    """A 200 answer that is not the operation's answer (a proxy's block page, a cut body)."""

    fmt = "{operation}: the answer has no '{key}'; it is not an AWS answer"


class CallBoundExceeded(BotoCoreError):
    fmt = "{reason}"


def required(resp: Any, key: str, operation: str) -> Any:
    """resp[key], or MalformedResponse: a missing key is never read as "nothing there"."""
    if not isinstance(resp, dict) or key not in resp:
        raise MalformedResponse(operation=operation, key=key)
    return resp[key]


def checked(resp: Any, key: str, operation: str) -> dict:
    """The whole answer, once it is known to have `key`."""
    required(resp, key, operation)
    return resp


class BoundedSend:
    """A `before-send` handler that sends the request itself and reads the answer in chunks,
    stopping at the deadline or the size cap (botocore's read timeout alone would wait forever
    for a server that drips a byte a second)."""

    def __init__(self, http_session: Any, deadline: float = DEADLINE_SECONDS,
                 max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.http_session, self.deadline, self.max_bytes = http_session, deadline, max_bytes

    def __call__(self, request: Any, **_: Any) -> Any:
        start = time.monotonic()
        streaming = request.stream_output
        request.stream_output = True  # we read the body here, not botocore
        try:
            resp = self.http_session.send(request)
        finally:
            request.stream_output = streaming
        body, size = [], 0
        try:
            for chunk in resp.raw.stream(CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise CallBoundExceeded(reason=f"answer larger than {self.max_bytes // 2**20} MiB")
                if time.monotonic() - start > self.deadline:
                    raise CallBoundExceeded(reason=f"answer not complete after {self.deadline:g} s")
                body.append(chunk)
        except BaseException:
            resp.raw.close()  # the connection is not reusable mid-answer
            raise
        resp._content = b"".join(body)
        return resp


def paginate(client: Any, operation: str, key: str, max_pages: int = MAX_PAGES, **kwargs: Any) -> list[Any]:
    """All items of `key` across pages. A page without the key is malformed; a token seen before
    or more than `max_pages` pages is a runaway listing (raises like the client does)."""
    out: list[Any] = []
    max_pages = getattr(client, "max_pages", max_pages)  # set per client by Clients
    pages = client.get_paginator(operation).paginate(**kwargs)
    seen: set[str] = set()
    for n, page in enumerate(pages, 1):
        out.extend(required(page, key, operation))
        token = next((str(page[k]) for k in NEXT_TOKENS if page.get(k)), None)
        if token is not None:
            if token in seen or n >= max_pages:
                raise PaginationError(message=f"{operation}: pagination does not end "
                                              f"({n} pages{', a token repeats' if token in seen else ''})")
            seen.add(token)
    return out
