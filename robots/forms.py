from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Team, User
from robots.models import Platform
from robots.selectors import robot_teams_for

ME = "me"


class RobotForm(forms.Form):
    """Add or edit a robot. On edit the URL and secret are never shown back: left empty they
    stay as stored."""

    owner = forms.ChoiceField(label=_("Sends to"))
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.CharField(
        label=_("Webhook URL"),
        max_length=500,
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "DingTalk (加签, starts with SEC) and Feishu (签名校验) only; leave empty for WeCom."
        ),
    )
    clear_secret = forms.BooleanField(label=_("Remove the signing secret"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user: User, robot=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.robot = robot
        self.teams = {str(t.pk): t for t in robot_teams_for(user)}
        choices: list[tuple[str, str]] = [(ME, str(_("Me (my reminders)")))]
        choices += [
            (f"team:{pk}", _("Team %(team)s") % {"team": t.name}) for pk, t in self.teams.items()
        ]
        self.fields["owner"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField
        if robot is None:
            del self.fields["clear_secret"]
        else:
            del self.fields["owner"]
            del self.fields["platform"]
            self.fields["url"].required = False
            self.fields["url"].help_text = _("Stored: %(url)s. Leave empty to keep it.") % {
                "url": robot.masked_url
            }
            if robot.secret:
                self.fields["secret"].help_text = _(
                    "Stored: %(secret)s. Leave empty to keep it."
                ) % {"secret": robot.masked_secret}

    def team(self) -> Team | None:
        owner = self.cleaned_data.get("owner", ME)
        if owner == ME:
            return None
        return self.teams.get(owner.removeprefix("team:"))
