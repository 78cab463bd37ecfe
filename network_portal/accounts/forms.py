from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User


class LoginForm(AuthenticationForm):
    """Log in by e-mail. The error never says whether the e-mail exists."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _(
            "Wrong e-mail or password. Check the keyboard layout and Caps Lock and try again."
        ),
        "inactive": _("This account is disabled. Contact the administrator."),
    }


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["last_name", "first_name", "middle_name", "position", "phone"]


class UserAddForm(AdminUserCreationForm):
    """The administration's «add user» form: a new user gets a name at once (issue 15: the
    form had no name fields, and every list then showed an e-mail)."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "last_name", "first_name", "middle_name", "position")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("last_name", "first_name"):
            if name in self.fields:
                self.fields[name].required = True
