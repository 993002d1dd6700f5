"""Where an admin finds the flows: the quick actions on Campaign, the mapping's app page and tab,
and the permission set that opens them."""

from __future__ import annotations

from scripts.salesforce_flows.names import (
    APP,
    BULK_DATE_FLOW,
    MAPPING_FLOW,
    MAPPING_PAGE,
    SYNC_STATUS_FLOW,
)
from scripts.salesforce_names import EXTERNAL_CREDENTIAL, PRINCIPAL
from scripts.salesforce_xml import document as _document
from scripts.salesforce_xml import element as _element


def quick_action(label: str, flow: str) -> str:
    return _document(
        "QuickAction",
        ("actionSubtype", "ScreenFlow"),
        ("flowDefinition", flow),
        ("label", label),
        ("optionsCreateFeedItem", False),
        ("type", "Flow"),
    )


def mapping_page() -> str:
    """An app page holding the mapping flow (flowruntime:interview), for its tab."""
    component = _element(
        "componentInstance",
        _element("componentInstanceProperties", ("name", "flowLayout"), ("value", "oneColumn")),
        _element("componentInstanceProperties", ("name", "flowName"), ("value", MAPPING_FLOW)),
        ("componentName", "flowruntime:interview"),
        ("identifier", "flowruntime_interview"),
    )
    return _document(
        "FlexiPage",
        _element(
            "flexiPageRegions",
            _element("itemInstances", component),
            ("mode", "Replace"),
            ("name", "main"),
            ("type", "Region"),
        ),
        ("masterLabel", "Offline Channel Mapping"),
        _element("template", ("name", "flexipage:defaultAppHomeTemplate")),
        ("type", "AppPage"),
    )


def mapping_tab() -> str:
    return _document(
        "CustomTab",
        ("description", "The offline channel mapping editor."),
        ("flexiPage", MAPPING_PAGE),
        ("label", "Offline Channel Mapping"),
        ("motif", "Custom57: Building"),
    )


def app() -> str:
    """A Lightning app for the admins: Campaigns (with the two quick actions) and the mapping."""
    return _document(
        "CustomApplication",
        (
            "description",
            "Offline touchpoints: campaigns, their touchpoint dates and sync status, and the channel mapping.",
        ),
        ("formFactors", "Large"),
        ("isNavAutoTempTabsDisabled", False),
        ("isNavPersonalizationDisabled", False),
        ("label", "Offline Touchpoints"),
        ("navType", "Standard"),
        ("tabs", ["standard-Campaign", MAPPING_PAGE]),
        ("uiType", "Lightning"),
    )


def admins_permission_set() -> str:
    """The admins who may run the flows: the app, each flow, the tab, and the named credential's
    principal (the flows' callouts sign with it)."""
    return _document(
        "PermissionSet",
        _element("applicationVisibilities", ("application", APP), ("visible", True)),
        (
            "description",
            "Runs the offline touchpoints flows: bulk touchpoint date, sync status, channel mapping.",
        ),
        _element(
            "externalCredentialPrincipalAccesses",
            ("enabled", True),
            ("externalCredentialPrincipal", f"{EXTERNAL_CREDENTIAL}-{PRINCIPAL}"),
        ),
        *(
            _element("flowAccesses", ("enabled", True), ("flow", flow))
            for flow in (BULK_DATE_FLOW, MAPPING_FLOW, SYNC_STATUS_FLOW)
        ),
        ("hasActivationRequired", False),
        ("label", "Offline Touchpoints Admins"),
        _element("tabSettings", ("tab", MAPPING_PAGE), ("visibility", "Visible")),
    )
