"""gunicorn settings of the portal's web container (``gunicorn -c gunicorn.conf.py``).

Every value can be overridden from the environment (``GUNICORN_*``). Request bodies are
bounded by the portal itself, per page (network_portal/ui/request_size.py), and by the proxy
in front (``client_max_body_size``, README «Deployment behind a proxy»); gunicorn bounds the
request line and the headers.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", 3)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
accesslog = "-"

# Request line and headers: a URL of at most 4 KB (the longest query the portal builds is a
# few hundred bytes), at most 100 headers of at most 8 KB each.
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 4094)
limit_request_fields = _int("GUNICORN_LIMIT_REQUEST_FIELDS", 100)
limit_request_field_size = _int("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 8190)

# The proxies whose X-Forwarded-* headers gunicorn believes (the address the proxy connects
# from; "*" when only the proxy can reach the container, as in docker-compose.yml). The
# portal reads the client address itself (PROXY_COUNT, see README).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
