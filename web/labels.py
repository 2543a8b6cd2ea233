"""Swedish labels (through the translation catalogue) for every closed vocabulary; those people
choose from in forms and files are written in models/operations/vocabularies.py."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from models.enums import CEFR_LABELS
from models.operations import fields, vocabularies


def labels_of(vocabulary: vocabularies.Vocabulary) -> dict[str, object]:
    """A closed vocabulary's labels (models/operations/vocabularies.py, where they are written
    once for the pages, the forms and the messages that name a choice), in the reader's language."""
    return {code: _l(label.template) for code, label in vocabulary.labels.items()}


FIELD_LABELS = labels_of(vocabularies.FIELD)
WEEKDAY_LABELS = labels_of(vocabularies.WEEKDAY)
TIME_OF_DAY_LABELS = labels_of(vocabularies.TIME_OF_DAY)
# The structured adjustments a workplace is told about (models.enums.ADJUSTMENTS), as the
# company reads them; the step-free workplace is `needs_accessible`, shown first.
ACCESSIBLE_LABEL = _l("Tillgänglig arbetsplats utan trappsteg (t.ex. för rullstol)")
ADJUSTMENT_LABELS = labels_of(vocabularies.ADJUSTMENT)
ROLE_LABELS = {
    "admin": _l("Administratör"),
    "project_leader": _l("Projektledare"),
    "welfare_officer": _l("Handläggare"),
    "employer": _l("Kontaktperson på företag"),
    "steering": _l("Styrgrupp"),
    "selection_partner": _l("Urvalspartner (AF/AMF)"),
}
# The start page's first line, which says what each role does here.
ROLE_WELCOME = {
    "project_leader": _l(
        "Här ser du det som behöver göras: remisser att ta ställning till, förslag som väntar på svar och "
        "veckans besök."
    ),
    "welfare_officer": _l(
        "Här remitterar du dina klienter och följer deras arbetsplatsbesök. Du ser bara din enhets klienter."
    ),
    "employer": _l("Här erbjuder ni arbetsplatsbesök och svarar på föreslagna besökare."),
    "steering": _l(
        "Här följer styrgruppen målen kvartal för kvartal. Du ser bara sammanställda siffror, aldrig "
        "personuppgifter."
    ),
    "admin": _l("Här hanterar du konton, programmets inställningar och loggen."),
    "selection_partner": _l(
        "Här tar du ställning till remisserna som väntar på urval, för din organisation. Du ser bara det som "
        "behövs för att bedöma om insatsen passar, aldrig personnummer, kontaktuppgifter eller anteckningar."
    ),
}
TARGET_GROUP_LABELS = labels_of(vocabularies.TARGET_GROUP)
REFERRAL_STATUS_LABELS = {
    "draft": _l("Utkast"),
    "submitted": _l("Inskickad"),
    "accepted": _l("Antagen"),
    "returned": _l("Återsänd"),
    "active": _l("Aktiv"),
    "closed": _l("Avslutad"),
}
CLOSED_OUTCOME_LABELS = labels_of(vocabularies.CLOSED_OUTCOME)
NETWORK_LABELS = labels_of(vocabularies.NETWORK)
COMPANY_STATUS_LABELS = labels_of(vocabularies.COMPANY_STATUS)
SIZE_CLASS_LABELS = labels_of(vocabularies.SIZE_CLASS)
VISIT_STATUS_LABELS = {
    "proposed": _l("Föreslaget"),
    "accepted": _l("Accepterat av företaget"),
    "declined": _l("Nekat av företaget"),
    "confirmed": _l("Bekräftat"),
    "completed": _l("Genomfört"),
    "no_show": _l("Uteblev"),
    "cancelled": _l("Avbokat"),
}
# The badge's colour class per status (the status is always written out beside it).
VISIT_STATUS_BADGE = {
    "completed": "ok", "confirmed": "ok", "accepted": "ok", "proposed": "warn",
    "no_show": "err", "declined": "err", "cancelled": "err",
}
PARTY_LABELS = {
    "participant": _l("Deltagaren"),
    "employer": _l("Företaget"),
    "project_leader": _l("Projektledaren"),
    "system": _l("Systemet"),
}
DECLINE_REASON_LABELS = {
    "no_capacity": _l("Vi har inte möjlighet just då"),
    "date_unsuitable": _l("Datumet passar inte"),
    "supervisor_unavailable": _l("Handledaren är inte tillgänglig"),
    "profile_mismatch": _l("Passar inte vår verksamhet"),
    "other": _l("Annat skäl"),
}
ACTIVITY_TYPE_LABELS = {
    "stadium_visit": _l("Arenabesök på Olympia"),
    "match_host_shadowing": _l("Skugga matchvärd"),
    "association_activity": _l("Föreningsaktivitet"),
    "wellness": _l("Friskvård"),
}
ATTENDANCE_LABELS = {
    "registered": _l("Anmäld"),
    "attended": _l("Närvarade"),
    "absent": _l("Frånvarande"),
}
CONTACT_CHANNEL_LABELS = labels_of(vocabularies.CONTACT_CHANNEL)
CONSENT_METHOD_LABELS = labels_of(vocabularies.CONSENT_METHOD)
GENDER_LABELS = labels_of(vocabularies.GENDER)
FURTHER_INTEREST_LABELS = {
    "none": _l("Inte just nu"),
    "internship": _l("Praktik"),
    "recruitment": _l("Rekrytering"),
}
SELECTION_STANCE_LABELS = {
    "agree": _l("Tillstyrker"),
    "object": _l("Invänder"),
}
SELECTION_DECISION_LABELS = {
    "accept": _l("Antas (aktiveras senare)"),
    "accept_activate": _l("Antas och aktiveras"),
    "return": _l("Återsänds till handläggaren"),
    "postpone": _l("Skjuts upp"),
}
SELF_SUFFICIENCY_LABELS = {
    "self_sufficient": _l("Självförsörjande (inte längre ekonomiskt bistånd)"),
    "on_assistance": _l("Har fortfarande ekonomiskt bistånd"),
    "not_recorded": _l("Inte angivet eller hade inte bistånd"),
}
FOLLOW_UP_LABELS = {
    "job": _l("Arbete"),
    "studies": _l("Studier"),
    "internship": _l("Praktik"),
    "other_effort": _l("Annan insats"),
    "no_change": _l("Ingen förändring"),
}
GOAL_KIND_LABELS = {
    "persons_workplace_visit": _l("Personer med genomfört arbetsplatsbesök (4–8 h)"),
    "stadium_visit": _l("Arenabesök på Olympia"),
    "match_host_shadowing": _l("Skugga matchvärd"),
    "association_activity": _l("Föreningsaktiviteter"),
    "wellness": _l("Friskvårdsaktiviteter"),
}


def cefr_label(level: int | None) -> str:
    if level is None:
        return ""
    return CEFR_LABELS.get(int(level), str(level))


def language_name(code: str) -> str:
    """A language's name in the reader's language ('ar' → 'arabiska', 'Arabic'), from CLDR via Babel."""
    return fields.language_name(code, str(get_locale() or "sv"))


def choices(labels: dict[str, object]) -> list[tuple[str, object]]:
    """WTForms choices from a label table, in the table's order."""
    return list(labels.items())


# Audit trail actions (codes are written by each area; unknown codes are shown as they are).
AUDIT_ACTION_LABELS = {
    "login": _l("Inloggning"),
    "login_failed": _l("Misslyckad inloggning"),
    "logout": _l("Utloggning"),
    "password_changed": _l("Bytt lösenord"),
    "password_set_by_link": _l("Lösenord valt via länk"),
    "password_reset_sent": _l("Lösenord nollställt, länk skickad"),
    "access_denied": _l("Nekad åtkomst"),
    "totp_enrolled": _l("Tvåstegsverifiering påslagen"),
    "totp_disabled": _l("Tvåstegsverifiering avstängd"),
    "totp_reset": _l("Tvåstegsverifiering nollställd"),
    "user_created": _l("Konto skapat"),
    "user_updated": _l("Konto ändrat"),
    "user_deactivated": _l("Konto inaktiverat"),
    "user_reactivated": _l("Konto aktiverat igen"),
    "audit_exported": _l("Logg exporterad"),
    "candidate_anonymised": _l("Kandidat anonymiserad"),
    "pin_keys_rotated": _l("Nycklar för personnummer bytta"),
    "database_backup": _l("Säkerhetskopia gjord"),
    "database_restored": _l("Säkerhetskopia återställd"),
    "candidate_viewed": _l("Kandidat visad"),
    "candidate_updated": _l("Kandidat ändrad"),
    "pin_revealed": _l("Personnummer visat"),
    "consent_recorded": _l("Samtycke registrerat"),
    "consent_withdrawn": _l("Samtycke återkallat"),
    "referral_created": _l("Remiss skapad"),
    "feedback_viewed": _l("Återkoppling visad"),
    "feedback_saved": _l("Återkoppling sparad"),
    "report_exported": _l("Rapport exporterad"),
    "companies_imported": _l("Företag importerade"),
    "api_token_created": _l("API-nyckel skapad"),
    "api_token_revoked": _l("API-nyckel återkallad"),
    "visit_proposed": _l("Besök föreslaget"),
    "visit_answered": _l("Besöksförslag besvarat"),
    "visit_status_changed": _l("Besökets status ändrad"),
}

# Questionnaires (follow-up engineer).
SURVEY_MOMENT_LABELS = {
    "participant_before": _l("Deltagare – före"),
    "participant_after": _l("Deltagare – efter"),
    "company_before": _l("Företag – före"),
    "company_after": _l("Företag – efter"),
    "employee": _l("Medarbetare"),
}
QUESTIONNAIRE_LABELS = {
    "workplace_participant": _l("Deltagare, arbetsplatsbesök"),
    "workplace_company": _l("Företag, arbetsplatsbesök"),
    "workplace_employee": _l("Medarbetare på arbetsplatsen"),
    "stadium_visit_participant": _l("Deltagare, arenabesök"),
    "match_host_participant": _l("Deltagare, matchvärdsskuggning"),
    "association_participant": _l("Deltagare, föreningsaktivitet"),
    "wellness_participant": _l("Deltagare, friskvård"),
}
QUESTION_KIND_LABELS = {
    "likert": _l("Skala 1–5"),
    "text": _l("Fritext"),
}

# Audit actions of the company network and the employer portal (companies engineer).
AUDIT_ACTION_LABELS.update(
    {
        "company_created": _l("Företag registrerat"),
        "company_updated": _l("Företag ändrat"),
        "contact_created": _l("Kontaktperson tillagd"),
        "contact_updated": _l("Kontaktperson ändrad"),
        "contact_removed": _l("Kontaktperson borttagen"),
        "offer_created": _l("Erbjudande skapat"),
        "offer_updated": _l("Erbjudande ändrat"),
        "offer_paused": _l("Erbjudande pausat"),
        "offer_resumed": _l("Erbjudande återupptaget"),
    }
)

# Audit actions of the candidate bank (candidate-bank engineer).
AUDIT_ACTION_LABELS.update(
    {
        "candidate_viewed": _l("Kandidatsida visad"),
        "candidate_updated": _l("Kandidatens uppgifter ändrade"),
        "pin_revealed": _l("Personnummer visat"),
        "referral_created": _l("Remiss skapad"),
        "referral_submitted": _l("Remiss skickad"),
        "referral_accepted": _l("Remiss antagen"),
        "referral_activated": _l("Deltagare aktiverad"),
        "referral_returned": _l("Remiss återsänd"),
        "referral_closed": _l("Remiss avslutad"),
        "consent_recorded": _l("Samtycke registrerat"),
        "consent_withdrawn": _l("Samtycke återkallat"),
        "candidates_imported": _l("Kandidater importerade"),
    }
)

# Matching: score bands, the fairness audit's dimensions and measures (matching engineer).
SCORE_BAND_LABELS = {"very_good": _l("mycket god"), "good": _l("god"), "possible": _l("möjlig")}
AGE_BAND_LABELS = {
    "18-24": _l("18–24 år"), "25-34": _l("25–34 år"), "35-49": _l("35–49 år"), "50+": _l("50 år och äldre"),
}
FAIRNESS_DIMENSION_LABELS = {"target_group": _l("Målgrupp"), "gender": _l("Kön"), "age_band": _l("Åldersgrupp")}
FAIRNESS_MEASURE_LABELS = {
    "top5": _l("Bland de fem första i förslagslistor"),
    "proposed": _l("Föreslagna besök"),
    "acceptance": _l("Arbetsgivaren tackade ja"),
    "completion": _l("Besöket genomfördes"),
}
MODEL_DECISION_LABELS = {
    "forced": _l("Aktiverad med --force"),
    "no_usable_active_model": _l("Aktiverad: ingen användbar modell var aktiv"),
    "not_evaluated": _l("Inte aktiverad: historiken räckte inte för en utvärdering"),
    "not_worse": _l("Aktiverad: inte sämre än den aktiva"),
    "worse": _l("Inte aktiverad: sämre än den aktiva"),
    "challenger": _l("Utmanare: prövas mot den aktiva i användning"),
}

# Ranker duels (models/operations/ranker_duel.py).
DUEL_STATE_LABELS = {"running": _l("Pågår"), "promoted": _l("Utmanaren vann och är aktiv"),
                     "abandoned": _l("Avbruten: den aktiva modellen behålls")}
DUEL_REASON_LABELS = {
    "significant": _l("utmanaren vann signifikant"),
    "losing": _l("den aktiva modellen vann signifikant"),
    "limit": _l("ingen signifikant skillnad inom det högsta antalet listor"),
    "stopped": _l("avslutad av en administratör"),
    "replaced": _l("en annan modell aktiverades"),
}

# The agreement's budget table (issue #21).
BUDGET_LINE_LABELS = {**labels_of(vocabularies.BUDGET_LINE), "total": _l("Summa")}
COST_SOURCE_LABELS = {"manual": _l("inskrivet"), "import": _l("importerat från bokföringen")}
AUDIT_ACTION_LABELS.update(
    {
        "budget_year_saved": _l("Budget för ett avtalsår sparad"),
        "budget_threshold_saved": _l("Tröskel för budgetavvikelse ändrad"),
        "costs_recorded": _l("Kostnader registrerade"),
        "ledger_imported": _l("Kostnader importerade från bokföringen"),
    }
)
AGREEMENT_CHANGE_LABELS = {
    "extension": _l("Förlängning"),
    "period": _l("Perioden"),
    "goals": _l("Målen"),
    "budget": _l("Budgeten"),
    "other": _l("Annat"),
}
AUDIT_ACTION_LABELS.update(
    {
        "agreement_extended": _l("Överenskommelsen förlängd"),
        "agreement_change_recorded": _l("Ändring av överenskommelsen registrerad"),
        "quarter_compiled": _l("Kvartal sammanställt för styrgruppen"),
        "quarter_approved": _l("Kvartal godkänt för en part"),
    }
)

# Every action the code writes to the audit log has a name here
# (tests/test_audit_labels.py reads the code for them).
AUDIT_ACTION_LABELS.update(
    {
        "activity_saved": _l("Gruppaktivitet sparad"),
        "activity_participant_registered": _l("Deltagare anmäld till gruppaktivitet"),
        "activity_participant_unregistered": _l("Deltagare avanmäld från gruppaktivitet"),
        "activity_attendance_marked": _l("Närvaro vid gruppaktivitet registrerad"),
        "calendar_feed_created": _l("Kalenderprenumeration skapad"),
        "calendar_feed_revoked": _l("Kalenderprenumeration återkallad"),
        "follow_up_recorded": _l("Uppföljning registrerad"),
        "meeting_saved": _l("Nätverksträff sparad"),
        "meeting_cancelled": _l("Nätverksträff inställd"),
        "meeting_company_added": _l("Företag anmält till nätverksträff"),
        "meeting_invited": _l("Inbjudan till nätverksträff skickad"),
        "meeting_offer_linked": _l("Erbjudande kopplat till nätverksträff"),
        "meeting_selection_applied": _l("Urval till nätverksträff tillämpat"),
        "meeting_attendance_marked": _l("Närvaro vid nätverksträff registrerad"),
        "milestones_updated": _l("Delmål ändrade"),
        "programme_created": _l("Programperiod skapad"),
        "programme_updated": _l("Programperiod ändrad"),
        "ranker_duel_stopped": _l("Jämförelse mellan rankningsmodeller avslutad"),
        "selection_meeting_created": _l("Urvalsmöte skapat"),
        "selection_meeting_decided": _l("Urvalsmötets beslut registrerade"),
        "selection_minutes_exported": _l("Protokoll från urvalsmöte hämtat"),
        "selection_position_recorded": _l("Ställningstagande i urvalet registrerat"),
        "survey_sent": _l("Enkät skickad"),
        "surveys_sent": _l("Enkäter skickade"),
        "visit_outcome_corrected": _l("Besökets utfall rättat"),
        "visit_rescheduled": _l("Besök flyttat"),
        "visit_times_corrected": _l("Besökets faktiska tider rättade"),
        "visit_transition": _l("Besökets status ändrad"),
        "fairness_exported": _l("Rättvisegranskning exporterad"),
    }
)
