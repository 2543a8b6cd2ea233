"""Forms of the candidate bank. They only carry what was typed: every rule, and its Swedish
message, lives in models/operations/candidates/ (postcodes, email addresses, phone numbers and
languages in models/operations/fields.py), shared with the bulk import; the operation reports
every field's problem at once."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField

from models.enums import CEFR_LABELS

from .. import labels
from ..forms import MultiCheckboxField
from ..labels import language_name

# The languages most often spoken among the partnership's participants, as checkboxes; any other
# ISO 639-1 code or Swedish language name goes in the free-text field beside them.
COMMON_LANGUAGES = ("sv", "en", "ar", "so", "ti", "fa", "ku", "uk", "ru", "bs", "pl", "es", "fr", "tr", "am", "ps")


def _optional(table: dict[str, Any], blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *labels.choices(table)]


LEVEL_CHOICES = [(str(n), f"{n} – {CEFR_LABELS[n]}" if n else _l("0 – ingen svenska")) for n in range(7)]


class CandidateForm(FlaskForm):
    """The client's data, as in the referral form and the edit form."""

    first_name = StringField(_l("Förnamn"), render_kw={"autocomplete": "off"})
    last_name = StringField(_l("Efternamn"), render_kw={"autocomplete": "off"})
    pin = StringField(
        _l("Personnummer eller samordningsnummer"), render_kw={"autocomplete": "off", "inputmode": "numeric"}
    )
    gender = SelectField(_l("Kön"), choices=[], validate_choice=False)
    phone = StringField(_l("Telefon"), render_kw={"autocomplete": "off", "type": "tel"})
    email = StringField(_l("E-post"), render_kw={"autocomplete": "off", "type": "email"})
    contact_channel = SelectField(
        _l("Helst kontakt via"), choices=labels.choices(labels.CONTACT_CHANNEL_LABELS), validate_choice=False
    )
    preferred_language = StringField(_l("Språk för kontakt"), default="sv", render_kw={"autocomplete": "off"})
    target_group = SelectField(_l("Målgrupp"), choices=[], validate_choice=False)
    swedish_level = SelectField(_l("Svenskanivå"), choices=LEVEL_CHOICES, validate_choice=False)
    languages = MultiCheckboxField(_l("Andra språk"), choices=[], validate_choice=False)
    more_languages = StringField(_l("Fler språk"), render_kw={"autocomplete": "off"})
    interests = MultiCheckboxField(
        _l("Intressen (yrkesområden)"), choices=labels.choices(labels.FIELD_LABELS), validate_choice=False
    )
    weekdays = MultiCheckboxField(
        _l("Dagar klienten kan"), choices=labels.choices(labels.WEEKDAY_LABELS), validate_choice=False
    )
    times_of_day = MultiCheckboxField(
        _l("Tider på dagen som passar"), choices=labels.choices(labels.TIME_OF_DAY_LABELS), validate_choice=False
    )
    postcode = StringField(_l("Postnummer"), render_kw={"autocomplete": "off", "inputmode": "numeric"})
    area = StringField(_l("Område (stadsdel eller ort)"), render_kw={"autocomplete": "off"})
    lat = StringField(_l("Latitud"), render_kw={"autocomplete": "off", "inputmode": "decimal"})
    lon = StringField(_l("Longitud"), render_kw={"autocomplete": "off", "inputmode": "decimal"})
    # Shown to the workplace (web/employer/visitor.py), and previewed before saving:
    needs_accessible = BooleanField(_l("Behöver en tillgänglig arbetsplats utan trappsteg (t.ex. rullstol)"))
    adjustments = MultiCheckboxField(
        _l("Andra anpassningar"), choices=labels.choices(labels.ADJUSTMENT_LABELS), validate_choice=False
    )
    to_workplace = TextAreaField(_l("Till arbetsplatsen (visas för företaget)"))
    # Internal: the officers' and the project leader's only.
    needs_other = TextAreaField(_l("Interna anteckningar om praktiska behov (visas inte för företaget)"))

    # Marked with an asterisk; the rules themselves are checked by the operations.
    required_fields: tuple[str, ...] = (
        "first_name", "last_name", "pin", "target_group", "swedish_level", "interests", "weekdays",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            self[name].flags.required = True
        self.gender.choices = _optional(labels.GENDER_LABELS, _l("Vill inte ange"))
        self.target_group.choices = _optional(labels.TARGET_GROUP_LABELS, _l("Välj målgrupp"))
        self.languages.choices = [(code, language_name(code)) for code in COMMON_LANGUAGES]

    def values(self) -> dict[str, Any]:
        """What the operations parse: the fields by name, the two language fields joined."""
        data = {name: field.data for name, field in self._fields.items()}
        data["languages"] = [*(self.languages.data or []), *(self.more_languages.data or "").split(",")]
        return data


ECONOMIC_ASSISTANCE = {"yes": True, "no": False}


class ReferralForm(CandidateForm):
    reason = TextAreaField(_l("Skäl för remissen"))
    # Whether the client receives ekonomiskt bistånd (officers and the project leader only).
    economic_assistance = RadioField(
        _l("Får klienten ekonomiskt bistånd?"), choices=[("yes", _l("Ja")), ("no", _l("Nej"))],
        validate_choice=False,
    )
    consent_partnership = BooleanField(
        _l("Klienten samtycker till att uppgifterna ovan delas med partnerskapet "
           "(Tillväxt Helsingborg, Helsingborgs IF, Arbetsmarknadsförvaltningen och Arbetsförmedlingen).")
    )
    consent_companies = BooleanField(
        _l("Klienten samtycker till att förnamn, intressen, svenskanivå, språk, anpassningar och texten "
           "”Till arbetsplatsen” delas med de företag som tar emot klienten på besök.")
    )
    consent_given_on = StringField(_l("Datum för samtycket"), render_kw={"type": "date"})
    consent_method = SelectField(_l("Hur samtycket gavs"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.consent_method.choices = _optional(labels.CONSENT_METHOD_LABELS, _l("Välj sätt"))


class EditForm(CandidateForm):
    version = HiddenField()
    required_fields = tuple(f for f in CandidateForm.required_fields if f != "pin")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pin.label.text = _l("Nytt personnummer eller samordningsnummer")


class ConsentForm(FlaskForm):
    consent_partnership = ReferralForm.consent_partnership
    consent_companies = ReferralForm.consent_companies
    consent_given_on = ReferralForm.consent_given_on
    consent_method = SelectField(_l("Hur samtycket gavs"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.consent_method.choices = _optional(labels.CONSENT_METHOD_LABELS, _l("Välj sätt"))


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Varför återsänds remissen?"))


class CloseForm(FlaskForm):
    outcome = SelectField(_l("Hur avslutades insatsen?"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("Kommentar (frivillig)"))
    cancel_visits = BooleanField(_l("Avboka deltagarens kommande besök"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.outcome.choices = _optional(labels.CLOSED_OUTCOME_LABELS, _l("Välj utfall"))


class ImportForm(FlaskForm):
    file = FileField(_l("Fil (.xlsx eller .csv)"), render_kw={"accept": ".xlsx,.csv"})
    referrer = SelectField(_l("Remitterande handläggare"), choices=[], validate_choice=False)


class ImportCommitForm(FlaskForm):
    token = HiddenField()
    skip_duplicates = BooleanField(_l("Hoppa över raderna med personer som redan finns i kandidatbanken"))


class BankFilterForm(FlaskForm):
    """The bank's search: a GET form, so a search can be bookmarked and paged."""

    class Meta:
        csrf = False

    q = StringField(_l("Namn"), render_kw={"type": "search"})
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    target_group = SelectField(_l("Målgrupp"), choices=[], validate_choice=False)
    interests = MultiCheckboxField(
        _l("Intressen"), choices=labels.choices(labels.FIELD_LABELS), validate_choice=False
    )
    level_min = SelectField(_l("Svenskanivå lägst"), choices=[], validate_choice=False)
    level_max = SelectField(_l("Svenskanivå högst"), choices=[], validate_choice=False)
    weekdays = MultiCheckboxField(_l("Kan dessa dagar"), choices=labels.choices(labels.WEEKDAY_LABELS),
                                  validate_choice=False)
    area = StringField(_l("Område eller postnummer"))
    visited = SelectField(
        _l("Besök"),
        choices=[("", _l("Alla")), ("yes", _l("Har gjort ett besök")), ("no", _l("Har inte gjort något besök"))],
        validate_choice=False,
    )
    referred_from = StringField(_l("Remitterad från"), render_kw={"type": "date"})
    referred_to = StringField(_l("Remitterad till och med"), render_kw={"type": "date"})
    sort = SelectField(
        _l("Sortera"),
        choices=[
            ("-referred", _l("Senast remitterad först")),
            ("referred", _l("Äldsta remiss först")),
            ("name", _l("Namn")),
            ("-level", _l("Högst svenskanivå först")),
        ],
        validate_choice=False,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.status.choices = _optional(labels.REFERRAL_STATUS_LABELS, _l("Alla"))
        self.target_group.choices = _optional(labels.TARGET_GROUP_LABELS, _l("Alla"))
        levels = [(str(n), f"{n} – {CEFR_LABELS[n]}" if n else "0") for n in range(7)]
        self.level_min.choices = [("", _l("Alla")), *levels]
        self.level_max.choices = [("", _l("Alla")), *levels]


class StatusFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.status.choices = _optional(labels.REFERRAL_STATUS_LABELS, _l("Alla"))
