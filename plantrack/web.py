"""The two HTTP routes that give the browser its login cookie and take it back (sessions.py).

Streamlit talks to the page over a websocket, which cannot set a cookie; these routes run in
the same server (``serve.py`` mounts them with ``st.App``) and answer plain ``fetch`` calls:

- ``POST /api/session`` with a one-time ticket: sets the signed, HttpOnly session cookie;
- ``POST /api/session/end``: revokes the cookie's session in the store and clears the cookie.

Both refuse a request from another site (an ``Origin`` that is not this host).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plantrack.sessions import COOKIE_NAME, cookie_header, end_session, redeem_ticket
from plantrack.store import Store, StoreFault


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin:  # browsers send it on every POST fetch; a script without one gains nothing here
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


async def start(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    ticket = (await request.body())[:200].decode("ascii", "replace").strip()
    redeemed = redeem_ticket(ticket)
    if redeemed is None:
        return Response(status_code=403)
    value, max_age = redeemed
    return Response(status_code=204, headers={"Set-Cookie": cookie_header(value, max_age, _secure(request)),
                                              "Cache-Control": "no-store"})


async def end(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    try:
        await run_in_threadpool(end_session, Store(), request.cookies.get(COOKIE_NAME))
    except StoreFault:
        pass  # the script revoked it already when the officer clicked; the cookie is cleared regardless
    return Response(status_code=204, headers={"Set-Cookie": cookie_header("", 0, _secure(request)),
                                              "Cache-Control": "no-store"})


def routes() -> list[Route]:
    return [Route("/api/session", start, methods=["POST"]), Route("/api/session/end", end, methods=["POST"])]
