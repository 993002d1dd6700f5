"""Configuration, read once from the environment. Nothing else in the project reads os.environ."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, cast

from touchpoints.rules.salesforce_ids import canonical_id
from touchpoints.rules.sync_mode import SyncSettingValues

# The attribution model and weights are parsed where they are read: only the attribution function
# loads the attribution rules (and `fractions`), not every function's cold start.
if TYPE_CHECKING:
    from touchpoints.rules.attribution import ModelWeights
    from touchpoints.rules.attribution_opportunity import AttributionModel


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
    # Person-level attribution (DESIGN.md, "Attribution"), written by the attribution run only.
    position: str = "Touchpoint_Position__c"
    first_touch_percent: str = "First_Touch_Percent__c"
    lead_creation_percent: str = "Lead_Creation_Percent__c"
    u_shaped_percent: str = "U_Shaped_Percent__c"


@dataclass(frozen=True, slots=True)
class CampaignFields:
    """Salesforce API names of the custom Campaign and CampaignMember fields the rules read."""

    sync_mode: str = "Enable_Buyer_Touchpoints__c"
    start_date: str = "Touchpoint_Start_Date__c"
    end_date: str = "Touchpoint_End_Date__c"
    member_touchpoint_date: str = "Buyer_Touchpoint_Date__c"
    member_status: str = "Touchpoint_Status__c"


@dataclass(frozen=True, slots=True)
class AttributionFields:
    """Salesforce API names of the opportunity-level attribution object and its fields."""

    sobject: str = "Buyer_Attribution_Touchpoint__c"
    key: str = "Attribution_Key__c"
    opportunity: str = "Opportunity__c"
    touchpoint: str = "Buyer_Touchpoint__c"
    contact: str = "Contact__c"
    campaign: str = "Campaign__c"
    touchpoint_date: str = "Touchpoint_Date__c"
    position: str = "Touchpoint_Position__c"
    w_shaped_percent: str = "W_Shaped_Percent__c"
    full_path_percent: str = "Full_Path_Percent__c"
    linear_percent: str = "Linear_Percent__c"
    custom_percent: str = "Custom_Model_Percent__c"
    revenue: str = "Revenue__c"


# The custom model until one is configured: Full Path's weights.
DEFAULT_CUSTOM_WEIGHTS: dict[str, float] = {
    "FT": 22.5,
    "LC": 22.5,
    "OC": 22.5,
    "Closed": 22.5,
    "Other": 10,
}


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
    # the pause before a watchdog or Bulk API poll (and the longest an attribution run's Bulk
    # continuation waits), and how long jobs are kept (undo needs them).
    bulk_date_job_queue_url: str = ""
    job_continue_delay_seconds: int = 60
    job_retention_days: int = 90
    # The Enable_Buyer_Touchpoints__c values meaning each sync mode (this project's and Marketo
    # Measure's wording by default).
    sync_setting_values: SyncSettingValues = field(default_factory=SyncSettingValues)
    # Attribution (DESIGN.md, "Attribution"): the object's names, the model `Revenue__c` and
    # Campaign Influence follow and the custom model's weights as configured (read through
    # `attribution_model` and `custom_model`), and the locked CampaignInfluenceModel (its
    # DeveloperName) to write Campaign Influence under; none writes no Campaign Influence.
    attribution_fields: AttributionFields = field(default_factory=AttributionFields)
    attribution_model_setting: str = ""
    custom_weights_setting: str = ""
    campaign_influence_model: str | None = None
    # The queue persons' attribution requests go through (empty: nothing is enqueued for it).
    attribution_queue_url: str = ""

    @property
    def attribution_model(self) -> AttributionModel:
        """`ATTRIBUTION_MODEL`, checked when the attribution function builds its run."""
        return parse_attribution_model(self.attribution_model_setting)

    @property
    def custom_model(self) -> ModelWeights:
        """`ATTRIBUTION_CUSTOM_WEIGHTS`, checked when the attribution function builds its run."""
        return parse_custom_weights(self.custom_weights_setting)


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
    canonical = {part: canonical_id(part) if len(part) == 18 else None for part in parts}
    bad = sorted(part for part, org_id in canonical.items() if org_id is None)
    if bad:
        raise SettingsError(f"ALLOWED_ORG_IDS must hold 18-character org ids; not valid: {bad}")
    return frozenset(org_id for org_id in canonical.values() if org_id is not None)


# An API name: letters, digits and single underscores, starting with a letter and not ending with
# an underscore; a custom one ends in `__c`, after an optional managed-package namespace (`bizible2__`).
_NAME_PART = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*"
API_NAME = re.compile(rf"(?:{_NAME_PART}__)?{_NAME_PART}(?:__c)?")
# The JSON parameter's sections and the dataclass each one overrides.
FIELD_NAME_SECTIONS = {
    "touchpoint": TouchpointFields,
    "campaign": CampaignFields,
    "attribution": AttributionFields,
}
FIELD_NAMES_VARIABLE = "SALESFORCE_FIELD_NAMES"


def parse_field_names(raw: str) -> tuple[TouchpointFields, CampaignFields]:
    """`SALESFORCE_FIELD_NAMES`: a JSON object `{"touchpoint": {...}, "campaign": {...},
    "attribution": {...}}` whose entries are `TouchpointFields` / `CampaignFields` /
    `AttributionFields` attribute -> Salesforce API name; a name not given keeps its default.
    Anything else is refused with the entry it concerns."""
    configured = _field_name_sections(raw)
    # (each section holds the kind FIELD_NAME_SECTIONS names for it)
    return cast(TouchpointFields, configured["touchpoint"]), cast(
        CampaignFields, configured["campaign"]
    )


def parse_attribution_field_names(raw: str) -> AttributionFields:
    """The `attribution` section of `SALESFORCE_FIELD_NAMES` (see `parse_field_names`)."""
    return cast(AttributionFields, _field_name_sections(raw)["attribution"])


def _field_name_sections(raw: str) -> dict[str, Any]:
    defaults = {section: kind() for section, kind in FIELD_NAME_SECTIONS.items()}
    if not raw.strip():
        return defaults
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
    attribution = configured["attribution"]
    _distinct("attribution", attribution, [f.name for f in fields(AttributionFields)][1:])
    _distinct("campaign", campaign, ["sync_mode", "start_date", "end_date"])
    _distinct("campaign", campaign, ["member_touchpoint_date", "member_status"])
    if not touchpoint.sobject.endswith("__c"):
        raise SettingsError(
            f"{FIELD_NAMES_VARIABLE}: touchpoint.sobject must be a custom object (__c), "
            f"got {touchpoint.sobject!r}"
        )
    if not attribution.sobject.endswith("__c"):
        raise SettingsError(
            f"{FIELD_NAMES_VARIABLE}: attribution.sobject must be a custom object (__c), "
            f"got {attribution.sobject!r}"
        )
    return configured


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


def parse_attribution_model(raw: str) -> AttributionModel:
    """`ATTRIBUTION_MODEL`: the model `Revenue__c` and Campaign Influence follow."""
    from touchpoints.rules.attribution_opportunity import AttributionModel

    try:
        return AttributionModel(raw.strip() or AttributionModel.FULL_PATH)
    except ValueError:
        expected = [model.value for model in AttributionModel]
        raise SettingsError(f"ATTRIBUTION_MODEL must be one of {expected}, got {raw!r}") from None


def parse_custom_weights(raw: str) -> ModelWeights:
    """`ATTRIBUTION_CUSTOM_WEIGHTS`: JSON `{"FT": 40, "LC": 10, "OC": 10, "Closed": 30, "Other":
    10}`, summing to 100 (rules/attribution_opportunity.py); empty keeps Full Path's weights."""
    from touchpoints.rules.attribution_opportunity import custom_model_weights

    if not raw.strip():
        return custom_model_weights(DEFAULT_CUSTOM_WEIGHTS)
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise SettingsError(f"ATTRIBUTION_CUSTOM_WEIGHTS is not valid JSON: {error.msg}") from None
    if not isinstance(document, dict):
        raise SettingsError("ATTRIBUTION_CUSTOM_WEIGHTS must be a JSON object")
    try:
        return custom_model_weights(document)
    except ValueError as error:
        raise SettingsError(f"ATTRIBUTION_CUSTOM_WEIGHTS: {error}") from None


def parse_influence_model(raw: str) -> str | None:
    """`CAMPAIGN_INFLUENCE_MODEL`: a CampaignInfluenceModel DeveloperName, or empty for none."""
    name = raw.strip()
    if name and not API_NAME.fullmatch(name):
        raise SettingsError(f"CAMPAIGN_INFLUENCE_MODEL must be a model's API name, got {raw!r}")
    return name or None


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
        attribution_fields=parse_attribution_field_names(env.get(FIELD_NAMES_VARIABLE, "")),
        attribution_model_setting=env.get("ATTRIBUTION_MODEL", ""),
        custom_weights_setting=env.get("ATTRIBUTION_CUSTOM_WEIGHTS", ""),
        campaign_influence_model=parse_influence_model(env.get("CAMPAIGN_INFLUENCE_MODEL", "")),
        attribution_queue_url=env.get("ATTRIBUTION_QUEUE_URL", "").strip(),
    )
