"""The Celery application.

Without ``CELERY_BROKER_URL`` tasks run eagerly in the calling process (demo, default tests);
with it they go through the broker to a worker. See ``settings.CELERY_*``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")

app = Celery("network_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Keeps its result when a result backend is configured (the broker test sets one); the
# portal itself configures none, so in production this stores nothing.
@app.task(name="network_portal.ping", ignore_result=False)
def ping() -> str:
    """A tiny real task: proves that tasks run, eagerly or through the broker."""
    return "pong"
