"""The "Bulk Update Touchpoint Date" flow, a quick action on Campaign: the member filter
(statuses, created range, only undated), the date, the preview count, apply, the job's progress,
undo."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from scripts.salesforce_flows.common import fault_screen, flow_document, operation, schema_type
from scripts.salesforce_flows.elements import (
    action,
    assignment,
    boolean,
    choice_field,
    condition,
    decision,
    display,
    formula,
    input_field,
    loop,
    number,
    record_choices,
    record_lookup,
    ref,
    screen,
    start,
    text,
    variable,
    visible_if,
)

FINISHED_STATES = ("succeeded", "partially_failed", "failed")


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
                    # Only a finished apply job that changed members can be undone.
                    visible_when=visible_if(
                        condition("Job.undo_of", "IsNull", boolean(True)),
                        condition("Job.state", "EqualTo", text("succeeded")),
                        condition("Job.state", "EqualTo", text("partially_failed")),
                        logic="1 AND (2 OR 3)",
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
        fault_screen(),
        start("Get_Statuses"),
    ]
    return flow_document(
        "Bulk Update Touchpoint Date",
        "Campaign quick action: sets the touchpoint date of the members a filter picks, through "
        "the offline touchpoints admin API (preview, apply, progress, undo).",
        elements,
    )
