"""Input validation of events: a clear Russian message per field, nothing saved here."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from diagnostics.models import RiskFactor, TeacherNeed
from network_portal.documents.uploads import DOCUMENTS, validate_upload
from network_portal.editing import VersionedFormMixin
from network_portal.ui.links import validate_web_url
from roadmaps.models import RoadmapItem

from .models import Audience, Event, EventType

MATERIAL_EXTENSIONS = (*DOCUMENTS, ".zip")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
#: What ``<input type="date">`` / ``type="time"`` accept as a value (RFC 3339), whatever the
#: language: without it Django would print «12.12.2026», which the browser drops.
DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATE_FORMAT)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=TIME_FORMAT)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class RoadmapItemChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: RoadmapItem) -> str:
        return f"{obj.roadmap.organisation.short_name}: {obj.task}"


class EventForm(VersionedFormMixin, forms.Form):
    stale_what = pgettext_lazy("stale edit", "the event")

    title = forms.CharField(label=_("Title"), max_length=300)
    event_type = forms.ModelChoiceField(
        label=_("Type"), queryset=EventType.objects.all(), empty_label=_("— choose —")
    )
    organiser = forms.ModelChoiceField(
        label=_("Organiser"), queryset=None, empty_label=_("— choose —")
    )
    partnership = forms.ModelChoiceField(
        label=_("Partnership it serves"),
        queryset=None,
        required=False,
        empty_label=_("— none —"),
    )
    roadmap_items = RoadmapItemChoiceField(
        label=_("Roadmap items it serves"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    audience = forms.MultipleChoiceField(
        label=_("Audience"),
        choices=Audience.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one audience.")},
    )
    risk_factors = forms.ModelMultipleChoiceField(
        label=_("Risk factors it addresses"),
        queryset=RiskFactor.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    teacher_needs = forms.MultipleChoiceField(
        label=_("Teachers' needs it addresses (difficulties survey)"),
        choices=TeacherNeed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    end_date = forms.DateField(
        label=_("End date"),
        required=False,
        widget=DateInput(),
        help_text=_("For events over several days (a summer school, an internship)."),
    )
    end_time = forms.TimeField(label=_("Ends at"), widget=TimeInput())
    place = forms.CharField(label=_("Place (address, room)"), max_length=500, required=False)
    online_url = forms.URLField(
        label=_("Online link"),
        required=False,
        assume_scheme="https",
        validators=[validate_web_url],
        error_messages={
            "invalid": _(
                "The online link is not a valid address. Copy it whole from the browser, "
                "e.g. https://vk.com/call/…"
            )
        },
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        required=False,
        help_text=_("Leave empty if the number of places is not limited."),
    )
    registration_deadline = forms.DateTimeField(
        label=_("Registration closes"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        help_text=_("If empty, registration closes when the event starts."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, organisers, partnerships, roadmap_items, **kwargs):
        """The choices come from the selectors, scoped by the user
        (``events.selectors.event_form_choices``)."""
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = organisers.order_by("short_name")
        self.fields["partnership"].queryset = partnerships.order_by("title")
        self.fields["roadmap_items"].queryset = roadmap_items.select_related(
            "roadmap__organisation"
        ).order_by("roadmap__organisation__short_name", "due_date", "pk")

    @staticmethod
    def initial_for(event: Event) -> dict[str, Any]:
        starts = timezone.localtime(event.starts_at)
        ends = timezone.localtime(event.ends_at)
        return {
            "title": event.title,
            "event_type": event.event_type_id,
            "organiser": event.organiser_id,
            "partnership": event.partnership_id,
            "roadmap_items": list(event.roadmap_items.values_list("pk", flat=True)),
            "audience": event.audience,
            "risk_factors": list(event.risk_factors.values_list("pk", flat=True)),
            "teacher_needs": event.teacher_needs,
            "date": starts.date(),
            "start_time": starts.time(),
            "end_date": ends.date() if ends.date() != starts.date() else None,
            "end_time": ends.time(),
            "place": event.place,
            "online_url": event.online_url,
            "capacity": event.capacity,
            "registration_deadline": (
                timezone.localtime(event.registration_deadline)
                if event.registration_deadline
                else None
            ),
            "description": event.description,
            "version": event.version,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            data["starts_at"] = _aware(day, start)
            data["ends_at"] = _aware(data.get("end_date") or day, end)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error(
                    "end_time",
                    _("The event must end after it starts (it starts on %(start)s).")
                    % {"start": timezone.localtime(data["starts_at"]).strftime("%d.%m.%Y %H:%M")},
                )
            deadline = data.get("registration_deadline")
            if deadline and deadline > data["starts_at"]:
                self.add_error(
                    "registration_deadline",
                    _("Registration must close before the event starts."),
                )
        if (
            not data.get("place")
            and not data.get("online_url")
            and not self.has_error("online_url")
        ):
            self.add_error("place", _("Give a place or an online link."))
        organiser, partnership = data.get("organiser"), data.get("partnership")
        if organiser and partnership and partnership.municipality_id != organiser.municipality_id:
            self.add_error("partnership", _("The partnership belongs to another municipality."))
        self._check_roadmap_items(organiser, partnership, data.get("roadmap_items") or [])
        return data

    def _check_roadmap_items(self, organiser, partnership, items) -> None:
        """Items of the chosen partnership's roadmaps only; without a partnership, items of
        roadmaps of the organiser's municipality."""
        for item in items:
            roadmap = item.roadmap
            if partnership is not None and roadmap.partnership_id != partnership.pk:
                self.add_error(
                    "roadmap_items",
                    _(
                        "«%(item)s» is an item of another roadmap, not of the partnership "
                        "«%(partnership)s». Choose the items of this partnership or another "
                        "partnership."
                    )
                    % {"item": item.task, "partnership": partnership.title},
                )
            elif (
                partnership is None
                and organiser is not None
                and roadmap.organisation.municipality_id != organiser.municipality_id
            ):
                self.add_error(
                    "roadmap_items",
                    _("«%(item)s» is an item of a roadmap of another municipality.")
                    % {"item": item.task},
                )

    def stored_initial(self, current: Event) -> dict[str, Any]:
        return self.initial_for(current)

    def event_data(self) -> dict[str, Any]:
        """The cleaned values in the shape of the ``Event`` fields (for the services)."""
        d = self.cleaned_data
        return {
            "title": d["title"],
            "event_type": d["event_type"],
            "organiser": d["organiser"],
            "partnership": d.get("partnership"),
            "audience": d["audience"],
            "teacher_needs": list(d.get("teacher_needs") or []),
            "starts_at": d["starts_at"],
            "ends_at": d["ends_at"],
            "place": d.get("place") or "",
            "online_url": d.get("online_url") or "",
            "capacity": d.get("capacity"),
            "registration_deadline": d.get("registration_deadline"),
            "description": d.get("description") or "",
        }


def _aware(day, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancellation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone registered receives it by e-mail."),
    )


class ReportForm(forms.Form):
    summary = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 5}))
    results = forms.CharField(
        label=_("Results and agreements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    other_participants = forms.IntegerField(
        label=_("Other participants (not registered on the portal)"),
        min_value=0,
        initial=0,
        help_text=_("Students, parents, guests."),
    )


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(
        label=_("or a link"),
        required=False,
        assume_scheme="https",
        validators=[validate_web_url],
        error_messages={"invalid": _("The link is not a valid address (https://…).")},
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            validate_upload(upload, extensions=MATERIAL_EXTENSIONS)
        return upload

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("file")) == bool(data.get("url")):
            raise forms.ValidationError(_("Attach a file or give a link (one of the two)."))
        return data


class GroupRegistrationForm(forms.Form):
    teachers = forms.ModelMultipleChoiceField(
        label=pgettext_lazy("audience", "Teachers"),
        queryset=None,
        # the template lays the boxes out by hand, without the form renderer's classes
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose at least one teacher.")},
    )

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teachers"].queryset = teachers
        self.fields["teachers"].label_from_instance = lambda u: u.get_full_name() or u.email


class EventFilterForm(forms.Form):
    type = forms.ModelChoiceField(
        label=_("Type"),
        queryset=EventType.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("All types"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    audience = forms.ChoiceField(
        label=_("Audience"),
        choices=[("", _("Everyone")), *Audience.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class PublicFilterForm(EventFilterForm):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput(attrs={"class": "form-control"}),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput(attrs={"class": "form-control"}),
    )
