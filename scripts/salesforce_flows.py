"""What an admin clicks in Salesforce: screen flows over the admin API's External Service actions.

- "Bulk Update Touchpoint Date", a quick action on Campaign: the member filter (statuses, created
  range, only undated), the date, the preview count, apply, the job's progress, undo;
- "Touchpoint Sync Status", a quick action on Campaign: the last run's counts, its members by
  status, and the sync report's CLI command (the report is an IAM route: a browser link cannot
  sign it);
- "Offline Channel Mapping", a Lightning app page with its tab: the mapping and its unmapped types,
  one row added, changed or removed, the campaigns it will re-map, saved with the version it was
  read at;
- the permission set `Offline_Touchpoints_Admins`: the flows, the tab and the named credential's
  principal.

Each flow calls the External Service `Offline_Touchpoints_Admin_Api` (registered from
openapi/admin-api.json by scripts/salesforce_metadata.py) through actions named
`<service>.<operationId>`, binding inputs by parameter name (`body` for the request body) and
outputs by response code to variables of the types External Services generate for the document's
schemas (`ExternalService__<service>_<schema>`). tests/unit/scripts/test_salesforce_flows.py
checks every binding against the document; Lightning Flow Scanner lints them (make salesforce-check).
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from scripts.flow_xml import (
    action,
    assignment,
    boolean,
    canvas_auto_layout,
    choice,
    choice_field,
    condition,
    decision,
    display,
    formula,
    input_field,
    loop,
    number,
    ordered,
    record_choices,
    record_lookup,
    ref,
    screen,
    start,
    text,
    text_template,
    variable,
    visible_if,
)
from scripts.salesforce_names import EXTERNAL_CREDENTIAL, EXTERNAL_SERVICE, PRINCIPAL
from scripts.salesforce_xml import API_VERSION
from scripts.salesforce_xml import document as _document
from scripts.salesforce_xml import element as _element
from touchpoints.rules.models import SyncMode
from touchpoints.settings import CampaignFields

BULK_DATE_FLOW = "Offline_Touchpoints_Bulk_Update_Touchpoint_Date"
SYNC_STATUS_FLOW = "Offline_Touchpoints_Sync_Status"
MAPPING_FLOW = "Offline_Touchpoints_Channel_Mapping"
BULK_DATE_ACTION = "Bulk_Update_Touchpoint_Date"
SYNC_STATUS_ACTION = "Touchpoint_Sync_Status"
MAPPING_PAGE = "Offline_Channel_Mapping"
ADMINS_PERMISSION_SET = "Offline_Touchpoints_Admins"
FINISHED_STATES = ("succeeded", "partially_failed", "failed")


def operation(operation_id: str) -> str:
    return f"{EXTERNAL_SERVICE}.{operation_id}"


def schema_type(schema: str) -> str:
    """The Apex-defined type External Services generate for a schema of the document."""
    return f"ExternalService__{EXTERNAL_SERVICE}_{schema}"


def _flow(label: str, description: str, elements: list[Element | tuple[str, object]]) -> str:
    return _document(
        "Flow",
        *ordered(
            [
                ("apiVersion", API_VERSION),
                ("description", description),
                ("environments", "Default"),
                ("interviewLabel", f"{label} {{!$Flow.CurrentDateTime}}"),
                ("label", label),
                *canvas_auto_layout(),
                ("processType", "Flow"),
                ("status", "Active"),
                *elements,
            ]
        ),
    )


def _fault_screen() -> Element:
    return screen(
        "Refused",
        "Not done",
        [
            display(
                "Refusal",
                "<p>The admin API refused or could not be reached: {!$Flow.FaultMessage}</p><p>Nothing was changed by the failed call.</p>",
            )
        ],
        None,
        description="Shown when an admin API call fails: what it answered.",
    )


# -- Bulk Update Touchpoint Date ------------------------------------------------------------------


def bulk_date_flow() -> str:
    job_finished = [
        decision(
            "Job_Finished",
            "Job finished?",
            [
                (
                    f"Job_{state.title().replace('_', '')}",
                    state,
                    [condition("Job.state", "EqualTo", text(state))],
                    None,
                )
                for state in FINISHED_STATES
            ],
            "Refresh_Job",
            "Still running",
            "A finished job ends the flow; a running one is read again.",
        )
    ]
    elements: list[Element | tuple[str, object]] = [
        variable("recordId", "String", "The campaign the quick action runs on.", is_input=True),
        variable("Statuses", "String", "The statuses chosen, one per item.", collection=True),
        variable(
            "Campaign_Statuses",
            "SObject",
            "The campaign's member statuses.",
            object_type="CampaignMemberStatus",
            collection=True,
        ),
        variable("Each_Status", "SObject", "A member status.", object_type="CampaignMemberStatus"),
        variable("Filter", "Apex", "The member filter.", apex_class=schema_type("FilterBody")),
        variable("Body", "Apex", "The date and filter.", apex_class=schema_type("DateBody")),
        variable("Preview", "Apex", "The preview's answer.", apex_class=schema_type("PreviewView")),
        variable("Job", "Apex", "The job, as last read.", apex_class=schema_type("JobView")),
        record_choices(
            "Status_Options",
            "CampaignMemberStatus",
            [("CampaignId", "EqualTo", ref("recordId"))],
            "Label",
        ),
        formula(
            "Status_Chosen",
            "Boolean",
            'CONTAINS(";" & {!Status_Choice} & ";", ";" & {!Each_Status.Label} & ";")',
            "The status in hand was ticked (checkbox values come joined by semicolons).",
        ),
        formula(
            "Event_Date_Iso",
            "String",
            "TEXT({!Event_Date})",
            "The date as ISO 8601 text (YYYY-MM-DD), as the API reads it.",
        ),
        formula(
            "Created_From_Iso",
            "String",
            "IF(ISBLANK({!Created_From}), NULL, TEXT({!Created_From}))",
            "Members created on or after this day (blank: any).",
        ),
        formula(
            "Created_To_Iso",
            "String",
            "IF(ISBLANK({!Created_To}), NULL, TEXT({!Created_To}))",
            "Members created on or before this day (blank: any).",
        ),
        record_lookup(
            "Get_Statuses",
            "Get member statuses",
            "CampaignMemberStatus",
            [("CampaignId", "EqualTo", ref("recordId"))],
            ["Id", "Label"],
            "Campaign_Statuses",
            "Has_Statuses",
            "Refused",
            "The campaign's statuses, to turn the ticked ones into a list.",
        ),
        decision(
            "Has_Statuses",
            "Statuses found?",
            [
                (
                    "Statuses_Found",
                    "Found",
                    [condition("Campaign_Statuses", "IsNull", boolean(False))],
                    "Choose_Members",
                )
            ],
            "Refused",
            "None",
            "Every campaign has member statuses; none means the user cannot read them.",
        ),
        screen(
            "Choose_Members",
            "Choose members and date",
            [
                choice_field(
                    "Status_Choice",
                    "Member statuses (none ticked: every status)",
                    ["Status_Options"],
                    "MultiSelectCheckboxes",
                    required=False,
                ),
                input_field("Created_From", "Members created from", "Date"),
                input_field("Created_To", "Members created to", "Date"),
                input_field(
                    "Only_Undated",
                    "Only members without a touchpoint date",
                    "Boolean",
                    default=boolean(True),
                ),
                input_field(
                    "Event_Date", "Touchpoint date (the event's day)", "Date", required=True
                ),
            ],
            "Each_Chosen_Status",
            back=False,
            description="The member filter and the date.",
        ),
        loop(
            "Each_Chosen_Status",
            "Each status",
            "Campaign_Statuses",
            "Each_Status",
            "Is_Chosen",
            "Build_Request",
        ),
        decision(
            "Is_Chosen",
            "Ticked?",
            [
                (
                    "Chosen",
                    "Ticked",
                    [condition("Status_Chosen", "EqualTo", boolean(True))],
                    "Add_Status",
                )
            ],
            "Each_Chosen_Status",
            "Not ticked",
            "Keeps the ticked statuses.",
        ),
        assignment(
            "Add_Status",
            "Add status",
            [("Statuses", "Add", ref("Each_Status.Label"))],
            "Each_Chosen_Status",
            "Adds a ticked status to the filter's list.",
        ),
        assignment(
            "Build_Request",
            "Build request",
            [
                ("Filter.statuses", "Assign", ref("Statuses")),
                ("Filter.created_from", "Assign", ref("Created_From_Iso")),
                ("Filter.created_to", "Assign", ref("Created_To_Iso")),
                ("Filter.only_without_date", "Assign", ref("Only_Undated")),
                ("Body.date", "Assign", ref("Event_Date_Iso")),
                ("Body.filter", "Assign", ref("Filter")),
            ],
            "Preview_Count",
            "The request body of preview and apply.",
        ),
        action(
            "Preview_Count",
            "Preview",
            operation("previewCampaignsCampaignIdTouchpointDatePreviewPost"),
            inputs={"campaign_id": ref("recordId"), "body": ref("Body")},
            outputs={"200": "Preview"},
            next="Confirm",
            fault="Refused",
            description="How many members the filter matches; changes nothing.",
        ),
        screen(
            "Confirm",
            "Confirm",
            [
                display(
                    "Preview_Summary",
                    "<p>{!Preview.matched} members of {!Preview.campaign_name} match; "
                    "{!Preview.already_dated} already have a touchpoint date.</p>"
                    "<p>Next sets {!Event_Date} on them; Previous changes the filter.</p>",
                )
            ],
            "Apply_Date",
            description="The preview count, before anything changes.",
        ),
        action(
            "Apply_Date",
            "Apply",
            operation("applyCampaignsCampaignIdTouchpointDatePost"),
            inputs={
                "campaign_id": ref("recordId"),
                # One key per interview: a retried call cannot start a second job.
                "idempotency-key": ref("$Flow.InterviewGuid"),
                "body": ref("Body"),
            },
            outputs={"200": "Job", "201": "Job", "202": "Job"},
            next="Progress",
            fault="Refused",
            description="Sets the date; larger jobs carry on in AWS while this flow polls.",
        ),
        screen(
            "Progress",
            "Progress",
            [
                display(
                    "Job_Summary",
                    "<p>Job {!Job.job_id}: {!Job.state}. {!Job.progress.updated} of "
                    "{!Job.progress.matched} members updated, {!Job.progress.failed} failed.</p>"
                    "<p>Next reads it again until it has finished.</p>",
                ),
                input_field(
                    "Undo_Requested",
                    "Undo this job (restores each member's previous date)",
                    "Boolean",
                    visible_when=visible_if(
                        condition("Job.undo_of", "IsNull", boolean(True)),
                        condition("Job.state", "NotEqualTo", text("pending")),
                    ),
                ),
            ],
            "Wants_Undo",
            back=False,
            description="The job's progress, and its undo.",
        ),
        decision(
            "Wants_Undo",
            "Undo?",
            [
                (
                    "Undo_Ticked",
                    "Undo",
                    [condition("Undo_Requested", "EqualTo", boolean(True))],
                    "Undo_Job",
                )
            ],
            "Job_Finished",
            "Keep",
            "Undo when ticked (an undo job shows no undo box, so it is asked once).",
        ),
        *job_finished,
        action(
            "Refresh_Job",
            "Read job",
            operation("getJobJobsJobIdGet"),
            inputs={"job_id": ref("Job.job_id"), "limit": number(1)},
            outputs={"200": "Job"},
            next="Progress",
            fault="Refused",
            description="The job's state and progress now.",
        ),
        action(
            "Undo_Job",
            "Undo",
            operation("undoJobsJobIdUndoPost"),
            inputs={"job_id": ref("Job.job_id")},
            outputs={"200": "Job", "201": "Job", "202": "Job"},
            next="Progress",
            fault="Refused",
            description="Restores each member's previous date, as a new job.",
        ),
        _fault_screen(),
        start("Get_Statuses"),
    ]
    return _flow(
        "Bulk Update Touchpoint Date",
        "Campaign quick action: sets the touchpoint date of the members a filter picks, through "
        "the offline touchpoints admin API (preview, apply, progress, undo).",
        elements,
    )


# -- Touchpoint Sync Status -----------------------------------------------------------------------


def sync_status_flow() -> str:
    elements: list[Element | tuple[str, object]] = [
        variable("recordId", "String", "The campaign the quick action runs on.", is_input=True),
        variable("Status", "Apex", "The sync status.", apex_class=schema_type("SyncStatusView")),
        variable(
            "Each_Outcome",
            "Apex",
            "A status and its count.",
            apex_class=schema_type("OutcomeCount"),
        ),
        variable("Outcome_Lines", "String", "The counts by status, one line each."),
        text_template("Outcome_Line", "{!Each_Outcome.status}: {!Each_Outcome.members}\n"),
        action(
            "Read_Status",
            "Read sync status",
            operation("syncStatusCampaignsCampaignIdSyncStatusGet"),
            inputs={"campaign_id": ref("recordId"), "limit": number(1)},
            outputs={"200": "Status"},
            next="Each_Count",
            fault="Refused",
            description="The last run's summary (one member: only the counts are shown).",
        ),
        loop(
            "Each_Count",
            "Each status",
            "Status.outcomes",
            "Each_Outcome",
            "Add_Line",
            "Show_Status",
        ),
        assignment(
            "Add_Line",
            "Add line",
            [("Outcome_Lines", "Add", ref("Outcome_Line"))],
            "Each_Count",
            "One line per status.",
        ),
        screen(
            "Show_Status",
            "Touchpoint sync status",
            [
                display(
                    "Summary",
                    "<p>Last run {!Status.last_run} (mode {!Status.sync_mode}, type "
                    "{!Status.campaign_type}): {!Status.created} touchpoints created, "
                    "{!Status.updated} updated, {!Status.deleted} deleted, {!Status.failed} "
                    "failed.</p><p>Members by status:</p><pre>{!Outcome_Lines}</pre>"
                    "<p>The sync report (CSV, one row per member): <code>python -m "
                    "scripts.admin --api &lt;AdminApiUrl&gt; sync-status {!recordId} --csv &gt; "
                    "report.csv</code></p>",
                )
            ],
            None,
            back=False,
            description="The counts, the statuses and where the report is.",
        ),
        _fault_screen(),
        start("Read_Status"),
    ]
    return _flow(
        "Touchpoint Sync Status",
        "Campaign quick action: the campaign's last touchpoint sync (counts by outcome, the "
        "last run) from the offline touchpoints admin API.",
        elements,
    )


# -- Offline Channel Mapping ---------------------------------------------------------------------


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
        _fault_screen(),
        start("Read_Mapping"),
    ]
    return _flow(
        "Offline Channel Mapping",
        "App page: lists the campaign Type to channel mapping and saves one row's change through "
        "the offline touchpoints admin API, with the version it was read at.",
        elements,
    )


# -- where an admin finds them --------------------------------------------------------------------


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


def admins_permission_set() -> str:
    """The admins who may run the flows: each flow, the tab, and the named credential's
    principal (the flows' callouts sign with it)."""
    return _document(
        "PermissionSet",
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


def metadata_files(campaign_fields: CampaignFields) -> dict[str, str]:
    """Path under force-app/main/default -> file text."""
    return {
        f"flows/{BULK_DATE_FLOW}.flow-meta.xml": bulk_date_flow(),
        f"flows/{SYNC_STATUS_FLOW}.flow-meta.xml": sync_status_flow(),
        f"flows/{MAPPING_FLOW}.flow-meta.xml": mapping_flow(campaign_fields.sync_mode),
        f"quickActions/Campaign.{BULK_DATE_ACTION}.quickAction-meta.xml": quick_action(
            "Bulk Update Touchpoint Date", BULK_DATE_FLOW
        ),
        f"quickActions/Campaign.{SYNC_STATUS_ACTION}.quickAction-meta.xml": quick_action(
            "Touchpoint Sync Status", SYNC_STATUS_FLOW
        ),
        f"flexipages/{MAPPING_PAGE}.flexipage-meta.xml": mapping_page(),
        f"tabs/{MAPPING_PAGE}.tab-meta.xml": mapping_tab(),
        f"permissionsets/{ADMINS_PERMISSION_SET}.permissionset-meta.xml": admins_permission_set(),
    }
