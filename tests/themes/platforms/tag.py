"""Insert the cartcoach tag before ``</body>`` of every HTML page: the one change a store owner makes."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class CartcoachTagMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        tag = settings.CARTCOACH_TAG.encode()
        if tag and response.get("Content-Type", "").startswith("text/html") and not response.streaming:
            body = response.content
            at = body.rfind(b"</body>")
            if at >= 0:
                response.content = body[:at] + tag + body[at:]
                response["Content-Length"] = str(len(response.content))
        return response
