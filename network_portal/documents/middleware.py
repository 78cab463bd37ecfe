"""Private downloads are never stored by a browser cache or a proxy.

Every file the portal hands out (scans, evidence, materials, generated PDFs, spreadsheet
exports) is someone's data behind a permission check: a shared computer in a school's staff
room or a caching proxy must not keep a copy. A response that is a file (``FileResponse``) or
an attachment gets ``Cache-Control: private, no-store`` unless its view chose a policy itself
(the public calendar feed does).
"""

from collections.abc import Callable

from django.http import FileResponse, HttpRequest, HttpResponse

PRIVATE_NO_STORE = "private, no-store"


def is_download(response: HttpResponse) -> bool:
    disposition = response.get("Content-Disposition", "")
    return isinstance(response, FileResponse) or disposition.lower().startswith("attachment")


class PrivateDownloadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_download(response) and not response.has_header("Cache-Control"):
            response["Cache-Control"] = PRIVATE_NO_STORE
        return response
