"""A cap on the size of a request body, checked before the body is read.

Gradio parses a JSON body (a ``/chat`` or ``/recommend`` call, a browser turn joining the
queue) in full before the app sees its text, and only the app refuses a paste above
``chat.max_paste_bytes``: without a cap here, a client could make the server read and parse
any amount of JSON. ``BodySizeLimit`` answers such a request with HTTP 413 and a message
before the app runs, so no session is touched: at once when the declared ``Content-Length``
is too big, and as soon as the bytes read pass the cap when the body comes in chunks.
Multipart uploads are left to Gradio's own ``max_file_size``, which refuses them while
they stream in.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from recommender.config import Config

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# room for the JSON around the texts (the event's data list, session hash, ...)
ENVELOPE_BYTES = 64 * 1024


def request_body_limit(config: Config) -> int:
    """The biggest non-upload request body the app reads: ``app.max_request_bytes`` when set,
    else room for a paste at the paste limit and a message at the message limit, each as
    JSON text (escaped quotes, newlines and tabs take two bytes: the paste's budget is
    doubled; a character takes up to four bytes in UTF-8)."""
    if config.app.max_request_bytes:
        return config.app.max_request_bytes
    return 2 * config.chat.max_paste_bytes + 4 * config.chat.max_message_chars + ENVELOPE_BYTES


def too_large_message(limit: int) -> str:
    return (
        f"Request body too large: this server reads at most {limit} bytes per request. "
        "Send a shorter history (or upload it as a file, up to the paste limit)."
    )


class BodySizeLimit:
    """ASGI middleware: HTTP requests with a body over ``max_bytes`` (multipart uploads
    excepted) get a 413 with a JSON ``{"error": ...}`` message and never reach ``app``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be >= 1")
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_multipart(scope):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None:
            if declared > self.max_bytes:
                await self._refuse(send)  # the body is never read
                return
            await self.app(scope, receive, send)  # the server delivers no more than declared
            return
        # no length declared (chunked): read up to the cap, then hand the body on as it came
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: let the app see it as it is
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break
        pending = iter(messages)

        async def replay() -> Message:
            return next(pending, None) or await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"error": too_large_message(self.max_bytes)}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value
    return None


def _is_multipart(scope: Scope) -> bool:
    return (_header(scope, b"content-type") or b"").lower().startswith(b"multipart/form-data")


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
