"""The "Offline Channel Mapping" flow, on a Lightning app page: the mapping and its unmapped
types, one row added, changed or removed, the synced campaigns it will re-map, saved with the
version it was read at."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from scripts.salesforce_flows.common import fault_screen, flow_document, operation, schema_type
from scripts.salesforce_flows.elements import (
    action,
    assignment,
    boolean,
    choice,
    choice_field,
    condition,
    decision,
    display,
    formula,
    input_field,
    loop,
    record_lookup,
    ref,
    screen,
    start,
    text,
    text_template,
    variable,
)
from touchpoints.rules.models import SyncMode


def mapping_flow(sync_mode_field: str) -> str:
    same_type = "UPPER(TRIM({!Each_Row.campaign_type})) = UPPER(TRIM({!Campaign_Type}))"
    elements: list[Element | tuple[str, object]] = [
        variable("Current", "Apex", "The mapping as read.", apex_class=schema_type("CurrentView")),
        variable("Each_Row", "Apex", "A mapping row.", apex_class=schema_type("MappingRow")),
        variable("New_Row", "Apex", "The row entered.", apex_class=schema_type("MappingRow")),
        variable(
            "New_Mappings",
            "Apex",
            "The mapping to save.",
            apex_class=schema_type("MappingRow"),
            collection=True,
        ),
        variable("Body", "Apex", "The PUT body.", apex_class=schema_type("MappingBody")),
        variable("Change", "Apex", "The save's answer.", apex_class=schema_type("ChangeView")),
        variable("Mapping_Lines", "String", "The rows, one line each."),
        variable(
            "Remapped_Campaigns",
            "SObject",
            "Synced campaigns of the type entered.",
            object_type="Campaign",
            collection=True,
        ),
        variable("Remapped_Count", "Number", "How many campaigns the change re-maps."),
        variable("Each_Campaign", "SObject", "A re-mapped campaign.", object_type="Campaign"),
        variable("Remapped_Names", "String", "The re-mapped campaigns, one line each."),
        text_template("Campaign_Line", "{!Each_Campaign.Name}\n"),
        text_template(
            "Mapping_Line",
            "{!Each_Row.campaign_type} → {!Each_Row.channel} {!Each_Row.subchannel}\n",
        ),
        formula("Version_Text", "String", "TEXT({!Current.version})", "The If-Match header."),
        formula(
            "Same_Type",
            "Boolean",
            same_type,
            "The row is the type entered (case and spaces ignored).",
        ),
        choice("Change_Row", "Add or change this type's row", "change"),
        choice("Remove_Row", "Remove this type's row (its touchpoints become Unmapped)", "remove"),
        action(
            "Read_Mapping",
            "Read mapping",
            operation("getMappingChannelMappingGet"),
            inputs={},
            outputs={"200": "Current"},
            next="Each_Listed_Row",
            fault="Refused",
            description="The mapping, its version and the unmapped types.",
        ),
        loop("Each_Listed_Row", "Each row", "Current.mappings", "Each_Row", "List_Row", "Edit"),
        assignment(
            "List_Row",
            "List row",
            [("Mapping_Lines", "Add", ref("Mapping_Line"))],
            "Each_Listed_Row",
            "One line per row.",
        ),
        screen(
            "Edit",
            "Offline channel mapping",
            [
                display(
                    "Rows",
                    "<p>Version {!Current.version}:</p><pre>{!Mapping_Lines}</pre>"
                    "<p>Types of synced campaigns with no mapping: {!Current.unmapped_types}</p>",
                ),
                input_field("Campaign_Type", "Campaign Type", "String", required=True),
                choice_field(
                    "Row_Change",
                    "Change",
                    ["Change_Row", "Remove_Row"],
                    "RadioButtons",
                    required=True,
                ),
                input_field("Channel", "Channel", "String"),
                input_field("Subchannel", "Subchannel (optional)", "String"),
            ],
            "Get_Remapped",
            back=False,
            description="The rows and the change to make.",
        ),
        record_lookup(
            "Get_Remapped",
            "Get re-mapped campaigns",
            "Campaign",
            [
                ("Type", "EqualTo", ref("Campaign_Type")),
                (sync_mode_field, "IsNull", boolean(False)),
                (sync_mode_field, "NotEqualTo", text(SyncMode.EXCLUDE_ALL.value)),
            ],
            ["Id", "Name"],
            "Remapped_Campaigns",
            "Count_Remapped",
            "Refused",
            "Synced campaigns of the type entered: their touchpoints follow the new channel.",
        ),
        assignment(
            "Count_Remapped",
            "Count",
            [("Remapped_Count", "AssignCount", ref("Remapped_Campaigns"))],
            "Each_Remapped",
            "How many campaigns will be re-mapped.",
        ),
        loop(
            "Each_Remapped",
            "Each campaign",
            "Remapped_Campaigns",
            "Each_Campaign",
            "Name_Campaign",
            "Each_Kept_Row",
        ),
        assignment(
            "Name_Campaign",
            "Name campaign",
            [("Remapped_Names", "Add", ref("Campaign_Line"))],
            "Each_Remapped",
            "One line per re-mapped campaign.",
        ),
        loop(
            "Each_Kept_Row",
            "Each row",
            "Current.mappings",
            "Each_Row",
            "Is_Edited_Type",
            "Is_Removal",
        ),
        decision(
            "Is_Edited_Type",
            "The type entered?",
            [
                (
                    "Edited_Type",
                    "Yes",
                    [condition("Same_Type", "EqualTo", boolean(True))],
                    "Each_Kept_Row",
                )
            ],
            "Keep_Row",
            "Other type",
            "The entered type's old row is left out; the others are kept.",
        ),
        assignment(
            "Keep_Row",
            "Keep row",
            [("New_Mappings", "Add", ref("Each_Row"))],
            "Each_Kept_Row",
            "Keeps a row of another type.",
        ),
        decision(
            "Is_Removal",
            "Remove?",
            [
                (
                    "Removal",
                    "Remove",
                    [condition("Row_Change", "EqualTo", text("remove"))],
                    "Confirm_Save",
                )
            ],
            "Add_New_Row",
            "Change",
            "A removal adds nothing back.",
        ),
        assignment(
            "Add_New_Row",
            "Add new row",
            [
                ("New_Row.campaign_type", "Assign", ref("Campaign_Type")),
                ("New_Row.channel", "Assign", ref("Channel")),
                ("New_Row.subchannel", "Assign", ref("Subchannel")),
                ("New_Mappings", "Add", ref("New_Row")),
            ],
            "Confirm_Save",
            "The entered row joins the mapping.",
        ),
        screen(
            "Confirm_Save",
            "Confirm",
            [
                display(
                    "Remapped",
                    "<p>{!Remapped_Count} synced campaigns of type {!Campaign_Type} will have "
                    "their touchpoints re-mapped:</p><pre>{!Remapped_Names}</pre><p>Next saves version {!Current.version}'s "
                    "successor; if someone saved in between, nothing is changed and you start "
                    "again.</p>",
                )
            ],
            "Build_Body",
            description="What the change re-maps, before saving.",
        ),
        assignment(
            "Build_Body",
            "Build body",
            [("Body.mappings", "Assign", ref("New_Mappings"))],
            "Save_Mapping",
            "The whole mapping, as a PUT replaces it.",
        ),
        action(
            "Save_Mapping",
            "Save",
            operation("putMappingChannelMappingPut"),
            inputs={"if-match": ref("Version_Text"), "body": ref("Body")},
            outputs={"200": "Change"},
            next="Saved",
            fault="Refused",
            description="Saves the mapping if it is still the version read (409 otherwise).",
        ),
        screen(
            "Saved",
            "Saved",
            [
                display(
                    "Saved_Summary",
                    "<p>Saved as version {!Change.version}. Changed types: "
                    "{!Change.changed_types}. {!Change.recomputes_enqueued} campaigns are being "
                    "re-mapped.</p>",
                )
            ],
            None,
            back=False,
            description="The saved version and what it re-maps.",
        ),
        fault_screen(),
        start("Read_Mapping"),
    ]
    return flow_document(
        "Offline Channel Mapping",
        "App page: lists the campaign Type to channel mapping and saves one row's change through "
        "the offline touchpoints admin API, with the version it was read at.",
        elements,
    )
