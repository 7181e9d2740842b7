"""Forms of the key-account plan's pages; the services validate again."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from crm.models import User
from crm.selectors import users_assignable_by
from keyaccounts.models import KeyAccountPlan, WhitespaceRow

SWOT_HELP = _("One item per line.")


class PlanCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    revenue_target = forms.DecimalField(
        label=_("Revenue target"), required=False, max_digits=16, decimal_places=2, min_value=0
    )
    share_target = forms.DecimalField(
        label=_("Target share of the customer's spend (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
    )


class PlanEditForm(forms.Form):
    revenue_target = forms.DecimalField(
        label=_("Revenue target"), required=False, max_digits=16, decimal_places=2, min_value=0
    )
    share_target = forms.DecimalField(
        label=_("Target share of the customer's spend (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
    )
    strengths = forms.CharField(
        label=_("Strengths"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=SWOT_HELP,
    )
    weaknesses = forms.CharField(
        label=_("Weaknesses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=SWOT_HELP,
    )
    opportunities = forms.CharField(
        label=_("Opportunities"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=SWOT_HELP,
    )
    threats = forms.CharField(
        label=_("Threats"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=SWOT_HELP,
    )

    @classmethod
    def initial_of(cls, plan: KeyAccountPlan) -> dict:
        return {
            "revenue_target": plan.revenue_target,
            "share_target": plan.share_target,
            **{
                f: "\n".join(getattr(plan, f))
                for f in ("strengths", "weaknesses", "opportunities", "threats")
            },
        }


class RowForm(forms.Form):
    name = forms.CharField(label=_("Site or department"), max_length=120)
    site_account = forms.ModelChoiceField(
        label=_("Orders of"), queryset=Account.objects.none(), required=False
    )

    def __init__(self, *args, plan: KeyAccountPlan, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["site_account"]).queryset = accounts.filter(
            pk=plan.account_id
        ) | accounts.filter(parent_id=plan.account_id)


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Product line"), max_length=200)


class MarkForm(forms.Form):
    row = forms.ModelChoiceField(queryset=WhitespaceRow.objects.none())
    product = forms.CharField(max_length=200)
    could_buy = forms.BooleanField(required=False)

    def __init__(self, *args, plan: KeyAccountPlan, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["row"]).queryset = plan.rows.all()


class GoalForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none())
    goal_stance = forms.ChoiceField(label=_("Goal stance"), choices=Contact.Stance.choices)
    due_date = forms.DateField(
        label=_("By"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, plan: KeyAccountPlan, **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["contact"]
        ).queryset = plan.account.contacts.order_by("name", "id")


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=255)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = users_assignable_by(
            actor
        ).order_by("username")
        self.fields["owner"].initial = actor.pk


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Review note"), max_length=500, required=False)
