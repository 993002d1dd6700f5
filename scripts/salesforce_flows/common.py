"""What every admin flow shares: the External Service's action and type names, the Flow document,
and the screen a refused call ends on."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from scripts.salesforce_flows.elements import canvas_auto_layout, display, ordered, screen
from scripts.salesforce_names import EXTERNAL_SERVICE
from scripts.salesforce_xml import API_VERSION
from scripts.salesforce_xml import document as _document


def operation(operation_id: str) -> str:
    return f"{EXTERNAL_SERVICE}.{operation_id}"


def schema_type(schema: str) -> str:
    """The Apex-defined type External Services generate for a schema of the document."""
    return f"ExternalService__{EXTERNAL_SERVICE}_{schema}"


def flow_document(
    label: str, description: str, elements: list[Element | tuple[str, object]]
) -> str:
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


def fault_screen() -> Element:
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
