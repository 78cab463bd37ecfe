"""Error pages in Russian. 404 and 403 are answered without asking for login first."""

from django.contrib.auth.decorators import login_not_required
from django.views import defaults

bad_request = login_not_required(defaults.bad_request)
permission_denied = login_not_required(defaults.permission_denied)
page_not_found = login_not_required(defaults.page_not_found)
server_error = login_not_required(defaults.server_error)
