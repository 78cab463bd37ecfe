import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")
application = get_wsgi_application()

# Load every view module now, then move what start-up built (settings, apps, models, URL
# patterns, translations) out of the garbage collector's generations: a full collection then
# walks only a request's objects, not the ~100,000 long-lived ones (issue 17: full passes cost
# ~37 ms on the roadmap page), and copy-on-write pages of forked workers stay shared.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 — imports the views
gc.collect()
gc.freeze()
