"""The "Touchpoint Sync Status" flow, a quick action on Campaign: the last run's counts, its
members by status, and the sync report's CLI command (the report is an IAM route: a browser link
cannot sign it)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from scripts.salesforce_flows.common import fault_screen, flow_document, operation, schema_type
from scripts.salesforce_flows.elements import (
    action,
    assignment,
    display,
    loop,
    number,
    ref,
    screen,
    start,
    text_template,
    variable,
)


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
        fault_screen(),
        start("Read_Status"),
    ]
    return flow_document(
        "Touchpoint Sync Status",
        "Campaign quick action: the campaign's last touchpoint sync (counts by outcome, the "
        "last run) from the offline touchpoints admin API.",
        elements,
    )
