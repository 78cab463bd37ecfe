"""Escaping text once where it is worded, for the hot paths of long pages (issue 17, item 5)."""

from html import escape

from django.utils.safestring import SafeString


def escaped(text) -> SafeString:
    """What ``conditional_escape`` returns (a safe string as it is, anything else escaped),
    without the lazy-argument wrapper Django puts around it: a few µs a call, which a page of
    hundreds of texts (roadmap cards, filter options) notices."""
    if hasattr(text, "__html__"):
        return SafeString(text.__html__())
    return SafeString(escape(str(text)))
