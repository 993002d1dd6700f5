"""Configuration, read once from the environment. Nothing else in the project reads os.environ."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from touchpoints.rules.salesforce_ids import canonical_id
from touchpoints.rules.sync_mode import SyncSettingValues


@dataclass(frozen=True, slots=True)
class TouchpointFields:
    """Salesforce API names of the touchpoint object and fields (an org may use other names)."""

    sobject: str = "Buyer_Touchpoint__c"
    key: str = "Touchpoint_Key__c"
    campaign: str = "Campaign__c"
    campaign_member_id: str = "Campaign_Member_Id__c"
    lead: str = "Lead__c"
    contact: str = "Contact__c"
    email: str = "Email__c"
    touchpoint_date: str = "Touchpoint_Date__c"
    channel: str = "Marketing_Channel__c"
    channel_path: str = "Marketing_Channel_Path__c"
    source: str = "Touchpoint_Source__c"
    medium: str = "Medium__c"


@dataclass(frozen=True, slots=True)
class CampaignFields:
    """Salesforce API names of the custom Campaign and CampaignMember fields the rules read."""

    sync_mode: str = "Enable_Buyer_Touchpoints__c"
    start_date: str = "Touchpoint_Start_Date__c"
    end_date: str = "Touchpoint_End_Date__c"
    member_touchpoint_date: str = "Buyer_Touchpoint_Date__c"
    member_status: str = "Touchpoint_Status__c"


@dataclass(frozen=True, slots=True)
class Settings:
    table_name: str
    recompute_queue_url: str
    salesforce_secret_id: str
    allowed_org_ids: frozenset[str]
    # The webhook's endpoint token lives in its own secret (JSON `outbound_token`), so the public
    # function never reads Salesforce credentials; None means the webhook accepts nothing.
    outbound_token_secret_id: str | None = None
    service_name: str = "offline-touchpoints"
    bulk_api_threshold: int = 2000
    idempotency_expiry_seconds: int = 48 * 3600
    # Each member's outcome written back to CampaignMember.Touchpoint_Status__c (only on change).
    write_back_member_status: bool = False
    touchpoint_fields: TouchpointFields = field(default_factory=TouchpointFields)
    campaign_fields: CampaignFields = field(default_factory=CampaignFields)
    # Marketo program sync (ProgramSyncFunction only): its secret, the bus its events go to, and
    # the campaign sync switch (off: links are refused and scheduled runs do nothing).
    marketo_secret_id: str | None = None
    event_bus_name: str = "default"
    campaign_sync_enabled: bool = True
    # Bulk touchpoint date jobs: the queue their continuations go through (that function only),
    # the pause before a watchdog or Bulk API poll, and how long jobs are kept (undo needs them).
    bulk_date_job_queue_url: str = ""
    job_continue_delay_seconds: int = 60
    job_retention_days: int = 90
    # The Enable_Buyer_Touchpoints__c values meaning each sync mode (this project's and Marketo
    # Measure's wording by default).
    sync_setting_values: SyncSettingValues = field(default_factory=SyncSettingValues)


class SettingsError(RuntimeError):
    """A required setting is missing or malformed; the function cannot start."""


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise SettingsError(f"environment variable {name} must be a positive integer, got {raw!r}")
    return int(raw)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false"):
        raise SettingsError(f"environment variable {name} must be true or false, got {raw!r}")
    return raw == "true"


def parse_org_ids(raw: str) -> frozenset[str]:
    """Comma separated 18-character organization ids, kept in their canonical form; anything
    else is a configuration error."""
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    bad = sorted(part for part in parts if len(part) != 18 or canonical_id(part) is None)
    if bad:
        raise SettingsError(f"ALLOWED_ORG_IDS must hold 18-character org ids; not valid: {bad}")
    return frozenset(canonical_id(part) for part in parts)


# An API name: letters, digits and single underscores, starting with a letter and not ending with
# an underscore; a custom one ends in `__c`, after an optional managed-package namespace (`bizible2__`).
_NAME_PART = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*"
API_NAME = re.compile(rf"(?:{_NAME_PART}__)?{_NAME_PART}(?:__c)?")
# The JSON parameter's sections and the dataclass each one overrides.
FIELD_NAME_SECTIONS = {"touchpoint": TouchpointFields, "campaign": CampaignFields}
FIELD_NAMES_VARIABLE = "SALESFORCE_FIELD_NAMES"


def parse_field_names(raw: str) -> tuple[TouchpointFields, CampaignFields]:
    """`SALESFORCE_FIELD_NAMES`: a JSON object `{"touchpoint": {...}, "campaign": {...}}` whose
    entries are `TouchpointFields` / `CampaignFields` attribute -> Salesforce API name; a name not
    given keeps its default. Anything else is refused with the entry it concerns."""
    defaults = {section: kind() for section, kind in FIELD_NAME_SECTIONS.items()}
    if not raw.strip():
        return defaults["touchpoint"], defaults["campaign"]
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise SettingsError(f"{FIELD_NAMES_VARIABLE} is not valid JSON: {error.msg}") from None
    if not isinstance(document, dict):
        raise SettingsError(f"{FIELD_NAMES_VARIABLE} must be a JSON object")
    configured = dict(defaults)
    for section, names in document.items():
        if section not in FIELD_NAME_SECTIONS:
            raise SettingsError(
                f"{FIELD_NAMES_VARIABLE}: unknown section {section!r}; "
                f"expected {sorted(FIELD_NAME_SECTIONS)}"
            )
        if not isinstance(names, dict):
            raise SettingsError(f"{FIELD_NAMES_VARIABLE}: {section} must be a JSON object")
        known = [item.name for item in fields(FIELD_NAME_SECTIONS[section])]
        for key, name in names.items():
            entry = f"{FIELD_NAMES_VARIABLE}: {section}.{key}"
            if key not in known:
                raise SettingsError(f"{entry} is not a configurable name; expected one of {known}")
            if not isinstance(name, str) or not API_NAME.fullmatch(name):
                raise SettingsError(f"{entry} must be a Salesforce API name, got {name!r}")
        configured[section] = replace(defaults[section], **names)
    touchpoint, campaign = configured["touchpoint"], configured["campaign"]
    _distinct("touchpoint", touchpoint, [f.name for f in fields(TouchpointFields)][1:])
    _distinct("campaign", campaign, ["sync_mode", "start_date", "end_date"])
    _distinct("campaign", campaign, ["member_touchpoint_date", "member_status"])
    if not touchpoint.sobject.endswith("__c"):
        raise SettingsError(
            f"{FIELD_NAMES_VARIABLE}: touchpoint.sobject must be a custom object (__c), "
            f"got {touchpoint.sobject!r}"
        )
    return touchpoint, campaign


def _distinct(section: str, names: object, attributes: list[str]) -> None:
    """Two settings naming the same field of one object would write one value over the other."""
    seen: dict[str, str] = {}
    for attribute in attributes:
        name = getattr(names, attribute).lower()
        if name in seen:
            raise SettingsError(
                f"{FIELD_NAMES_VARIABLE}: {section}.{attribute} and {section}.{seen[name]} "
                f"name the same field {getattr(names, attribute)!r}"
            )
        seen[name] = attribute


SYNC_VALUES_VARIABLE = "SYNC_SETTING_VALUES"
SYNC_VALUE_KEYS = ("include_all", "include_responded", "exclude_all")
PICKLIST_VALUE_LIMIT = 255  # characters in a Salesforce picklist value


def parse_sync_setting_values(raw: str) -> SyncSettingValues:
    """`SYNC_SETTING_VALUES`: a JSON object `{"include_all": [...], "include_responded": [...],
    "exclude_all": [...]}`; a key left out keeps its defaults. Each value means one mode only."""
    if not raw.strip():
        return SyncSettingValues()
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as error:
        raise SettingsError(f"{SYNC_VALUES_VARIABLE} is not valid JSON: {error.msg}") from None
    if not isinstance(config, dict):
        raise SettingsError(f"{SYNC_VALUES_VARIABLE} must be a JSON object")
    unknown = sorted(set(config) - set(SYNC_VALUE_KEYS))
    if unknown:
        raise SettingsError(
            f"{SYNC_VALUES_VARIABLE}: unknown key {unknown[0]!r}; expected {SYNC_VALUE_KEYS}"
        )
    chosen: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for key in SYNC_VALUE_KEYS:
        values = config.get(key, getattr(SyncSettingValues(), key))
        if not isinstance(values, list | tuple) or not values:
            raise SettingsError(f"{SYNC_VALUES_VARIABLE}: {key} must be a non-empty list")
        for value in values:
            if (
                not isinstance(value, str)
                or not value.strip()
                or value != value.strip()
                or len(value) > PICKLIST_VALUE_LIMIT
            ):
                raise SettingsError(
                    f"{SYNC_VALUES_VARIABLE}: {key} holds {value!r}; a value is non-blank text "
                    f"of up to {PICKLIST_VALUE_LIMIT} characters without surrounding spaces"
                )
            if value in owner:
                raise SettingsError(
                    f"{SYNC_VALUES_VARIABLE}: {value!r} is in both {owner[value]} and {key}"
                )
            owner[value] = key
        chosen[key] = tuple(values)
    return SyncSettingValues(**chosen)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    touchpoint_fields, campaign_fields = parse_field_names(env.get(FIELD_NAMES_VARIABLE, ""))
    return Settings(
        table_name=_required(env, "TABLE_NAME"),
        recompute_queue_url=_required(env, "RECOMPUTE_QUEUE_URL"),
        salesforce_secret_id=_required(env, "SALESFORCE_SECRET_ID"),
        allowed_org_ids=parse_org_ids(_required(env, "ALLOWED_ORG_IDS")),
        outbound_token_secret_id=env.get("OUTBOUND_TOKEN_SECRET_ID", "").strip() or None,
        service_name=env.get("POWERTOOLS_SERVICE_NAME", "offline-touchpoints"),
        bulk_api_threshold=_positive_int(env, "BULK_API_THRESHOLD", 2000),
        idempotency_expiry_seconds=_positive_int(env, "IDEMPOTENCY_EXPIRY_SECONDS", 48 * 3600),
        write_back_member_status=_flag(env, "WRITE_BACK_MEMBER_STATUS", False),
        marketo_secret_id=env.get("MARKETO_SECRET_ID", "").strip() or None,
        event_bus_name=env.get("EVENT_BUS_NAME", "").strip() or "default",
        campaign_sync_enabled=_flag(env, "CAMPAIGN_SYNC_ENABLED", True),
        bulk_date_job_queue_url=env.get("BULK_DATE_JOB_QUEUE_URL", "").strip(),
        job_retention_days=_positive_int(env, "JOB_RETENTION_DAYS", 90),
        touchpoint_fields=touchpoint_fields,
        campaign_fields=campaign_fields,
        sync_setting_values=parse_sync_setting_values(env.get(SYNC_VALUES_VARIABLE, "")),
    )
