from django.utils.translation import gettext as _

from network_portal.ui.charts import Series, line_chart

from .impact import GROUPS, SUBJECTS

GROUP_COLORS = {"partnered": "#198754", "unpartnered": "#dc3545", "all": "#6c757d"}


def impact_legend() -> list[tuple[str, str]]:
    return [(str(label), GROUP_COLORS[group]) for group, label in GROUPS.items()]


def impact_charts(*, series, years) -> list[dict]:
    charts = []
    for subject, (label, _codes) in SUBJECTS.items():
        for measure, title, unit in (
            ("average", _("%(subject)s: average score"), ""),
            ("share_below", _("%(subject)s: below the threshold, %%"), " %"),
        ):
            lines = [
                Series(
                    str(GROUPS[group]),
                    [getattr(p, measure) for p in series[(group, subject)]],
                    GROUP_COLORS[group],
                )
                for group in GROUPS
                if (group, subject) in series
            ]
            charts.append(
                {
                    "title": title % {"subject": label},
                    "svg": line_chart(
                        title=title % {"subject": label},
                        x_labels=[str(y) for y in years],
                        series=lines,
                        unit=unit,
                        height=240,
                        legend=False,
                    ),
                }
            )
    return charts
