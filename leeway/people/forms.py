"""Admin forms for members, sites, departments and teams.

Fields parse the browser's input and offer only the organization's own tiers, teams and sites; the
rules themselves come from `leeway.people.checks`, the same checks the services and the CSV import
apply, so a page, the API and an import refuse the same values.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from leeway.core.errors import DomainError
from leeway.people.checks import (
    country_names,
    department_problems,
    member_problems,
    site_problems,
    team_problems,
    time_zone_choices,
)
from leeway.people.models import Role
from leeway.people.selectors import MemberStatus
from leeway.people.services import member_invitation_accept

MEMBER_IMPORT_MAX_BYTES = 1024 * 1024


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def add_problems(form: forms.Form, problems) -> None:
    for error in problems.errors:
        if error.field in form.errors:
            continue  # the field already says what is wrong with it
        add_domain_error(form, error)


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, team):
        return f"{team.name} · {team.site.name}"


class MemberForm(forms.Form):
    """A member's details; a new member also gets a username and a way in (invitation or password)."""

    INVITE, PASSWORD = "invite", "password"

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("What they log in with; it cannot change later. Letters, digits and @ . + - _."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    name = forms.CharField(
        label=_("Name"), max_length=301, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)
    tier = forms.ModelChoiceField(
        label=_("Authority tier"),
        queryset=None,
        required=False,
        empty_label="—",
        help_text=_("Agents need one: it sets what they may decide alone."),
    )
    team = TeamChoiceField(
        label=_("Team"),
        queryset=None,
        required=False,
        empty_label="—",
        help_text=_("Agents and team leads need one."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        required=False,
        empty_label="—",
        help_text=_("For managers; agents and leads take their team's department."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Empty: the team's site's, else the organization's."),
    )
    access = forms.ChoiceField(
        label=_("How they get in"),
        choices=[
            (INVITE, _("An invitation link: they choose their own password")),
            (PASSWORD, _("A password I set now")),
        ],
        initial=INVITE,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; ask them to change it after logging in."),
    )

    def __init__(self, *args, organization, tiers, teams, departments, member=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.member = member
        self.fields["tier"].queryset = tiers
        self.fields["team"].queryset = teams
        self.fields["department"].queryset = departments
        self.fields["time_zone"].choices = [("", "—"), *((zone, zone) for zone in time_zone_choices())]
        for name in ("tier", "team", "department"):
            # Whether they are needed depends on the role (see the help texts), so no "(optional)".
            self.fields[name].quiet_optional = True
        if member is None:
            self.fields["language"].initial = organization.default_language
        else:
            for name in ("username", "access", "password"):
                del self.fields[name]

    @staticmethod
    def initial_for(member) -> dict:
        return {
            "name": member.get_full_name(),
            "email": member.email,
            "role": member.role,
            "tier": member.tier_id,
            "team": member.team_id,
            "department": member.department_id,
            "language": member.language,
            "time_zone": member.time_zone,
        }

    def clean(self):
        data = super().clean()
        if self.member is None and data.get("access") == self.PASSWORD and not data.get("password"):
            self.add_error("password", _("Enter a password, or choose an invitation link instead."))
        # The shared checks run even when a field already has an error, so every problem shows at once.
        password = data.get("password") if data.get("access") == self.PASSWORD else None
        _values, problems = member_problems(
            organization=self.organization,
            member=self.member,
            username=data.get("username"),
            name=data.get("name"),
            email=data.get("email"),
            role=data.get("role"),
            tier=data.get("tier"),
            team=data.get("team"),
            department=data.get("department"),
            language=data.get("language"),
            time_zone=data.get("time_zone"),
            password=password,
        )
        add_problems(self, problems)
        return data

    def service_values(self) -> dict:
        """The cleaned values as the member services take them."""
        data = self.cleaned_data
        values = {
            field: data[field]
            for field in ("name", "email", "role", "tier", "team", "department", "language", "time_zone")
        }
        if self.member is None:
            values["username"] = data["username"]
            values["password"] = data["password"] if data["access"] == self.PASSWORD else None
        return values


class MemberFilterForm(forms.Form):
    """The members list's search and filters (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False)
    team = TeamChoiceField(label=_("Team"), queryset=None, required=False, empty_label=_("All teams"))
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (MemberStatus.ALL, _("Everyone")),
            (MemberStatus.ACTIVE, _("Active")),
            (MemberStatus.INVITED, _("Invited, no password yet")),
            (MemberStatus.INACTIVE, _("Deactivated")),
        ],
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("All roles")), *Role.choices]
        self.fields["team"].queryset = teams
        for field in self.fields.values():
            field.quiet_optional = True

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"],
            "role": data["role"],
            "team_id": data["team"].pk if data["team"] else None,
            "status": data["status"] or MemberStatus.ALL,
        }


class SiteForm(forms.Form):
    """A contact centre."""

    name = forms.CharField(label=_("Name"), max_length=120)
    city = forms.CharField(label=_("City"), max_length=120)
    country = forms.ChoiceField(label=_("Country"))
    time_zone = forms.ChoiceField(label=_("Time zone"))
    languages = forms.CharField(
        label=_("Languages"),
        max_length=100,
        help_text=_("Language codes spoken at the site, comma-separated, e.g. en,es."),
    )

    def __init__(self, *args, organization, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.site = site
        countries = country_names(get_language() or settings.LANGUAGE_CODE)
        self.fields["country"].choices = [
            ("", "—"),
            *sorted(countries.items(), key=lambda item: item[1].casefold()),
        ]
        self.fields["time_zone"].choices = [("", "—"), *((zone, zone) for zone in time_zone_choices())]

    @staticmethod
    def initial_for(site) -> dict:
        return {
            "name": site.name,
            "city": site.city,
            "country": site.country,
            "time_zone": site.time_zone,
            "languages": site.languages,
        }

    def clean(self):
        data = super().clean()
        _values, problems = site_problems(
            organization=self.organization,
            site=self.site,
            **{field: data.get(field) for field in ("name", "city", "country", "time_zone", "languages")},
        )
        add_problems(self, problems)
        return data


class DepartmentForm(forms.Form):
    """A department's name."""

    name = forms.CharField(label=_("Name"), max_length=120)

    def __init__(self, *args, organization, department=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.department = department

    def clean(self):
        data = super().clean()
        _values, problems = department_problems(
            organization=self.organization, department=self.department, name=data.get("name")
        )
        add_problems(self, problems)
        return data


class TeamForm(forms.Form):
    """A team: its name, department and site."""

    name = forms.CharField(label=_("Name"), max_length=120)
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, empty_label="—")
    site = forms.ModelChoiceField(label=_("Site"), queryset=None, empty_label="—")

    def __init__(self, *args, organization, departments, sites, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.team = team
        self.fields["department"].queryset = departments
        self.fields["site"].queryset = sites

    def clean(self):
        data = super().clean()
        _values, problems = team_problems(
            organization=self.organization,
            team=self.team,
            name=data.get("name"),
            department=data.get("department"),
            site=data.get("site"),
        )
        add_problems(self, problems)
        return data


class MembersImportForm(forms.Form):
    """A CSV of members; its rows are checked by `leeway.people.imports`."""

    file = forms.FileField(
        label=_("CSV file"), help_text=_("UTF-8, comma- or semicolon-separated, with a header row.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MEMBER_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (the limit is %(limit)s MB).")
                % {"limit": MEMBER_IMPORT_MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a .csv file."), code="not_csv")
        return upload


class InvitationPasswordForm(SetPasswordForm):
    """Django's set-password form; saving goes through the service so the audit trail records it."""

    def save(self, commit=True):
        return member_invitation_accept(member=self.user, password=self.cleaned_data["new_password1"])
