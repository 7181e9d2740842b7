"""Talk tracks (话术) and the intelligence outline (情报调查提纲).

Admins edit both lists; reps read them on the plan page. An answer to an outline question is
knowledge about an account: one current answer per account and question, updated in place
(the audit trail keeps every earlier text with who changed it and when), and it follows the
account when the account changes hands.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.i18n import bilingual

TEXT_MAX_LENGTH = 4000
ANSWER_MAX_LENGTH = 2000


class Situation(models.TextChoices):
    """When a talk track is used; the order here is the order on the plan page."""

    FIRST_CALL = "first_call", _("First call or visit")
    GATEKEEPER = "gatekeeper", _("Turned away by a gatekeeper (挡驾)")
    REFUSAL = "refusal", _("Not interested, refusal")
    PRICE = "price", _("Price objection")
    COMPETITOR = "competitor", _("Comparison with a competitor")
    CLOSING = "closing", _("Closing, asking for the order")
    OTHER = "other", _("Other")


SITUATION_ORDER = [choice.value for choice in Situation]


class TalkTrack(models.Model):
    """What to say in one situation (话术), for every industry or for one."""

    code = models.CharField(
        _("code"), max_length=50, blank=True, default="", help_text=_("Set on built-in rows.")
    )
    situation = models.CharField(_("situation"), max_length=20, choices=Situation.choices)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    title_zh_hans = models.CharField(_("title (Simplified Chinese)"), max_length=200, blank=True)
    text_en = models.TextField(_("text (English)"), max_length=TEXT_MAX_LENGTH, blank=True)
    text_zh_hans = models.TextField(
        _("text (Simplified Chinese)"), max_length=TEXT_MAX_LENGTH, blank=True
    )
    industry = models.CharField(
        _("industry"),
        max_length=100,
        blank=True,
        help_text=_("Blank: every industry. Otherwise the account's industry, as written there."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["situation", "position", "id"]
        verbose_name = _("talk track")
        verbose_name_plural = _("talk tracks")
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_en="", title_zh_hans=""), name="talk_track_has_title"
            ),
            models.CheckConstraint(
                condition=~Q(text_en="", text_zh_hans=""), name="talk_track_has_text"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="talk_track_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return bilingual(self.title_en, self.title_zh_hans)

    @property
    def text(self) -> str:
        return bilingual(self.text_en, self.text_zh_hans)


class IntelligenceQuestion(models.Model):
    """One question of the intelligence outline: what to learn about the account on a visit."""

    code = models.CharField(
        _("code"), max_length=50, blank=True, default="", help_text=_("Set on built-in rows.")
    )
    industry = models.CharField(
        _("industry"),
        max_length=100,
        blank=True,
        help_text=_("Blank: every industry. Otherwise the account's industry, as written there."),
    )
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    text_zh_hans = models.CharField(_("question (Simplified Chinese)"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("intelligence question")
        verbose_name_plural = _("intelligence questions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(text_en="", text_zh_hans=""), name="intelligence_question_has_text"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="intelligence_question_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return bilingual(self.text_en, self.text_zh_hans)


class IntelligenceAnswer(models.Model):
    """The current answer to one outline question for one account (updated in place)."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="intelligence_answers",
    )
    question = models.ForeignKey(
        IntelligenceQuestion,
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    text = models.TextField(_("answer"), max_length=ANSWER_MAX_LENGTH)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        ordering = ["question__position", "question_id"]
        verbose_name = _("intelligence answer")
        verbose_name_plural = _("intelligence answers")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "question"], name="intelligence_answer_one_per_question"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="intelligence_answer_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.question_id}"
