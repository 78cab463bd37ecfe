"""Page sizes of the diagnostics lists. The views read them at each request (tests shrink
them); the page data itself comes from ``selectors``, the markup from the templates."""

#: Schools per page of the heatmap (the XLSX export holds them all).
HEATMAP_PER_PAGE = 100

#: Rows per page of the cycle and survey lists.
LIST_PER_PAGE = 25
