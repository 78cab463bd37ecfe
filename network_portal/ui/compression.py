"""Gzip for the portal's pages, not for files (issue 17).

Pages are compressed by Django, not by the proxy, because Django's ``GZipMiddleware`` carries
the BREACH mitigations a generic proxy does not: every CSRF token in a page is masked with a
fresh random value on each response (so a token cannot be guessed byte by byte from
compressed sizes), and since Django 4.2 the gzip header holds up to 100 random bytes
("Heal the BREACH"), which blurs the length an attacker would measure. Session ids travel only
in cookies (headers are never compressed). README, «Deployment», has the whole reasoning.

Only text is compressed: PDFs, XLSX, images and uploaded scans are compressed already (or
compress no better), and streaming them through gzip would drop their ``Content-Length``.
Static files never reach this middleware: WhiteNoise, above it, serves its own pre-compressed
copies.
"""

from __future__ import annotations

from django.middleware.gzip import GZipMiddleware

TEXT_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")


class PageGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(TEXT_TYPES):
            return response
        return super().process_response(request, response)
