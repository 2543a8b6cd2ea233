"""Forms for companies, contacts and offers (the employer portal reuses the offer form), the
list filters and the capacity quarter. Range rules live in models/operations/companies.py;
the forms parse what was typed, say which fields are required and check postcodes, email
addresses and languages by the rules of models/operations/fields.py."""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Optional

from models import Company, Offer
from models.enums import CEFR_LABELS
from models.operations import fields
from models.operations.companies import CompanyData, ContactData, OfferData

from .. import labels
from ..forms import FieldRule, MultiCheckboxField


class LocalNumberField(StringField):
    """A number typed the Swedish way (6,5) or the English way (6.5); blank is None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        try:
            value = float(self.raw.replace("\u00a0", "").replace(" ", "").replace(",", "."))
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise ValueError(str(_l("Skriv ett tal, t.ex. 6 eller 6,5.")))
        self.data = value

    def _value(self) -> str:
        if getattr(self, "raw", None):
            return self.raw
        if self.data is None:
            return ""
        return f"{self.data:.6f}".rstrip("0").rstrip(".").replace(".", ",")


class CompanyForm(FlaskForm):
    name = StringField(_l("Företagets namn"), validators=[DataRequired(_l("Ange företagets namn."))])
    org_number = StringField(
        _l("Organisationsnummer"),
        validators=[DataRequired(_l("Ange organisationsnumret."))],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    industry = StringField(_l("Bransch"))
    size_class = SelectField(_l("Storlek"), choices=labels.choices(labels.SIZE_CLASS_LABELS))
    network = RadioField(_l("Nätverk"), choices=labels.choices(labels.NETWORK_LABELS),
                         validators=[InputRequired(_l("Välj vilket nätverk företaget hör till."))])
    status = SelectField(_l("Status"), choices=labels.choices(labels.COMPANY_STATUS_LABELS))
    address = StringField(_l("Gatuadress"), render_kw={"autocomplete": "street-address"})
    postcode = StringField(_l("Postnummer"), validators=[FieldRule(fields.postcode)],
                           render_kw={"autocomplete": "postal-code", "inputmode": "numeric"})
    city = StringField(_l("Ort"), render_kw={"autocomplete": "address-level2"})
    lat = LocalNumberField(_l("Latitud"), render_kw={"inputmode": "decimal"})
    lon = LocalNumberField(_l("Longitud"), render_kw={"inputmode": "decimal"})
    notes = TextAreaField(_l("Anteckningar"))
    version = HiddenField()

    def load(self, company: Company) -> None:
        for name in ("name", "org_number", "industry", "address", "postcode", "city", "lat", "lon", "notes"):
            getattr(self, name).data = getattr(company, name)
        self.size_class.data = company.size_class.value
        self.network.data = company.network.value
        self.status.data = company.status.value
        self.version.data = str(company.version)

    def to_data(self) -> CompanyData:
        return CompanyData(
            name=self.name.data or "",
            org_number=self.org_number.data or "",
            size_class=self.size_class.data or "",
            network=self.network.data or "",
            status=self.status.data or "",
            industry=self.industry.data or "",
            address=self.address.data or "",
            postcode=self.postcode.data or "",
            city=self.city.data or "",
            lat=self.lat.data,
            lon=self.lon.data,
            notes=self.notes.data or "",
        )


class ContactForm(FlaskForm):
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Ange kontaktpersonens namn."))],
                       render_kw={"autocomplete": "off"})
    title = StringField(_l("Roll eller titel"))
    email = StringField(_l("E-postadress"), validators=[FieldRule(fields.email_address)],
                        render_kw={"autocomplete": "off", "inputmode": "email"})
    phone = StringField(_l("Telefon"), render_kw={"autocomplete": "off", "inputmode": "tel"})
    is_supervisor = BooleanField(_l("Kan vara handledare vid besök"))

    def to_data(self) -> ContactData:
        return ContactData(
            name=self.name.data or "",
            title=self.title.data or "",
            email=self.email.data or "",
            phone=self.phone.data or "",
            is_supervisor=bool(self.is_supervisor.data),
        )


def _level_choices() -> list[tuple[int, Any]]:
    return [(0, _l("Ingen svenska krävs"))] + [(n, CEFR_LABELS[n]) for n in range(1, 7)]


class OfferForm(FlaskForm):
    title = StringField(_l("Rubrik"), validators=[DataRequired(_l("Ange en rubrik för erbjudandet."))])
    field = SelectField(_l("Yrkesområde"), choices=labels.choices(labels.FIELD_LABELS))
    description = TextAreaField(_l("Det här får besökaren se och göra"))
    min_swedish_level = SelectField(_l("Lägsta svenskanivå"), coerce=int, choices=_level_choices())
    languages = StringField(_l("Språk som talas på arbetsplatsen"),
                            validators=[DataRequired(_l("Ange minst ett språk.")), FieldRule(fields.languages)])
    weekdays = MultiCheckboxField(_l("Veckodagar då besök kan tas emot"),
                                  choices=labels.choices(labels.WEEKDAY_LABELS))
    window_start = TimeField(_l("Tidigast start"), validators=[InputRequired(_l("Ange en starttid, t.ex. 08:00."))])
    window_end = TimeField(_l("Senast slut"), validators=[InputRequired(_l("Ange en sluttid, t.ex. 16:00."))])
    hours = LocalNumberField(_l("Besökets längd i timmar"), validators=[InputRequired(_l("Ange besökets längd."))],
                             render_kw={"inputmode": "decimal"})
    capacity_per_day = LocalNumberField(
        _l("Antal besökare per dag"),
        validators=[InputRequired(_l("Ange hur många besökare ni kan ta emot per dag."))],
        render_kw={"inputmode": "numeric"},
    )
    capacity_per_quarter = LocalNumberField(
        _l("Antal besökare per kvartal"),
        validators=[InputRequired(_l("Ange hur många besökare ni kan ta emot per kvartal."))],
        render_kw={"inputmode": "numeric"},
    )
    accessible = BooleanField(_l("Arbetsplatsen är tillgänglig för personer med rörelsenedsättning"))
    supervisor_name = StringField(_l("Handledarens namn"), validators=[DataRequired(_l("Ange handledarens namn."))])
    supervisor_email = StringField(_l("Handledarens e-postadress"),
                                   validators=[DataRequired(_l("Ange handledarens e-postadress.")),
                                               FieldRule(fields.email_address)],
                                   render_kw={"inputmode": "email"})
    supervisor_phone = StringField(_l("Handledarens telefon"), render_kw={"inputmode": "tel"})
    address = StringField(_l("Besöksadress, om en annan än företagets"))
    lat = LocalNumberField(_l("Latitud"), validators=[Optional()], render_kw={"inputmode": "decimal"})
    lon = LocalNumberField(_l("Longitud"), validators=[Optional()], render_kw={"inputmode": "decimal"})
    active = BooleanField(_l("Erbjudandet är aktivt (kan bokas)"), default=True)
    version = HiddenField()

    def load(self, offer: Offer) -> None:
        for name in ("title", "description", "min_swedish_level", "weekdays", "window_start", "window_end",
                     "hours", "capacity_per_day", "capacity_per_quarter", "accessible", "supervisor_name",
                     "supervisor_email", "supervisor_phone", "address", "lat", "lon", "active"):
            getattr(self, name).data = getattr(offer, name)
        self.field.data = offer.field.value
        self.languages.data = ", ".join(labels.language_name(code) for code in offer.languages)
        self.version.data = str(offer.version)

    def prefill_supervisor(self, company: Company) -> None:
        supervisor = next((c for c in company.contacts if c.is_supervisor), None)
        if supervisor is not None:
            self.supervisor_name.data = supervisor.name
            self.supervisor_email.data = supervisor.email
            self.supervisor_phone.data = supervisor.phone

    def to_data(self) -> OfferData:
        return OfferData(
            title=self.title.data or "",
            field=self.field.data or "",
            description=self.description.data or "",
            min_swedish_level=self.min_swedish_level.data or 0,
            languages=self.languages.data or "",
            weekdays=list(self.weekdays.data or []),
            window_start=self.window_start.data,
            window_end=self.window_end.data,
            hours=self.hours.data,
            capacity_per_day=self.capacity_per_day.data,
            capacity_per_quarter=self.capacity_per_quarter.data,
            accessible=bool(self.accessible.data),
            supervisor_name=self.supervisor_name.data or "",
            supervisor_email=self.supervisor_email.data or "",
            supervisor_phone=self.supervisor_phone.data or "",
            address=self.address.data or "",
            lat=self.lat.data,
            lon=self.lon.data,
            active=bool(self.active.data),
        )


class VersionForm(FlaskForm):
    """A one-button form (pause/resume, remove) that carries the version it was shown with."""

    version = HiddenField()


def _with_blank(choices: list[tuple[str, Any]], blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *choices]


class CompanyFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Sök på namn eller organisationsnummer"))
    network = SelectField(_l("Nätverk"), choices=_with_blank(labels.choices(labels.NETWORK_LABELS), _l("Alla")))
    status = SelectField(_l("Status"), choices=_with_blank(labels.choices(labels.COMPANY_STATUS_LABELS), _l("Alla")))
    field = SelectField(_l("Erbjuder besök inom"),
                        choices=_with_blank(labels.choices(labels.FIELD_LABELS), _l("Alla yrkesområden")))
    size_class = SelectField(_l("Storlek"), choices=_with_blank(labels.choices(labels.SIZE_CLASS_LABELS), _l("Alla")))

    def values(self) -> dict[str, str]:
        """The filters as given, with anything that is not one of a list's choices left out."""
        chosen = {"q": (self.q.data or "").strip()}
        for name in ("network", "status", "field", "size_class"):
            select = getattr(self, name)
            valid = {str(value) for value, _label in select.choices}
            chosen[name] = select.data if select.data in valid else ""
        return chosen


class QuarterForm(FlaskForm):
    class Meta:
        csrf = False

    kvartal = SelectField(_l("Kvartal"))


class ImportForm(FlaskForm):
    file = FileField(_l("Fil (.xlsx eller .csv)"), render_kw={"accept": ".xlsx,.csv"})


class ImportCommitForm(FlaskForm):
    token = HiddenField()
    skip_duplicates = BooleanField(_l("Hoppa över raderna med företag som redan finns"))
