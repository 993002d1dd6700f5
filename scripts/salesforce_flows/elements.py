"""Flow metadata elements, one helper per node kind, for the screen flows an admin runs.

Shapes and child order follow the Metadata API Developer Guide, "Flow"
(https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_visual_workflow.htm):
a node starts with name, label, locationX, locationY; the rest of each type's fields come in
alphabetical order, as the schema's sequences list them. Flows are laid out automatically
(`CanvasMode` AUTO_LAYOUT_CANVAS), so every location is 0.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from scripts.salesforce_xml import Child
from scripts.salesforce_xml import element as _element

Value = Element


def ref(name: str) -> Value:
    return _element("value", ("elementReference", name))


def text(value: str) -> Value:
    return _element("value", ("stringValue", value))


def boolean(value: bool) -> Value:
    return _element("value", ("booleanValue", value))


def number(value: int) -> Value:
    return _element("value", ("numberValue", value))


def _node(kind: str, name: str, label: str, description: str, *children: Child) -> Element:
    """FlowElement's description and name come first, then FlowNode's label and location."""
    return _element(
        kind,
        ("description", description),
        ("name", name),
        ("label", label),
        ("locationX", 0),
        ("locationY", 0),
        *children,
    )


def _connector(tag: str, target: str | None) -> list[Child]:
    return [_element(tag, ("targetReference", target))] if target else []


def action(
    name: str,
    label: str,
    action_name: str,
    *,
    inputs: dict[str, Value],
    outputs: dict[str, str],
    next: str | None,
    fault: str,
    description: str,
) -> Element:
    """An External Service operation (actionType externalService): inputs by parameter name
    (`body` for the request body), outputs by response code."""
    return _node(
        "actionCalls",
        name,
        label,
        description,
        ("actionName", action_name),
        ("actionType", "externalService"),
        *_connector("connector", next),
        *_connector("faultConnector", fault),
        ("flowTransactionModel", "NewTransaction"),
        *(_element("inputParameters", ("name", key), value) for key, value in inputs.items()),
        ("nameSegment", action_name),
        *(
            _element("outputParameters", ("assignToReference", target), ("name", code))
            for code, target in outputs.items()
        ),
    )


def assignment(
    name: str, label: str, items: list[tuple[str, str, Value]], next: str | None, description: str
) -> Element:
    return _node(
        "assignments",
        name,
        label,
        description,
        *(
            _element("assignmentItems", ("assignToReference", target), ("operator", op), value)
            for target, op, value in items
        ),
        *_connector("connector", next),
    )


def condition(left: str, operator: str, right: Value) -> Element:
    return _element(
        "conditions", ("leftValueReference", left), ("operator", operator), _as_right_value(right)
    )


def _as_right_value(value: Value) -> Element:
    renamed = _element("rightValue")
    renamed.extend(list(value))
    return renamed


def decision(
    name: str,
    label: str,
    rules: list[tuple[str, str, list[Element], str]],
    default: str | None,
    default_label: str,
    description: str,
) -> Element:
    """Rules as (name, label, conditions all true, target); else `default`."""
    return _node(
        "decisions",
        name,
        label,
        description,
        *_connector("defaultConnector", default),
        ("defaultConnectorLabel", default_label),
        *(
            _element(
                "rules",
                ("name", rule),
                ("conditionLogic", "and"),
                *conditions,
                *_connector("connector", target),
                ("label", rule_label),
            )
            for rule, rule_label, conditions, target in rules
        ),
    )


def loop(
    name: str, label: str, collection: str, each: str, next_value: str, done: str | None
) -> Element:
    return _node(
        "loops",
        name,
        label,
        f"Each item of {collection}.",
        ("assignNextValueToReference", each),
        ("collectionReference", collection),
        ("iterationOrder", "Asc"),
        *_connector("nextValueConnector", next_value),
        *_connector("noMoreValuesConnector", done),
    )


def record_lookup(
    name: str,
    label: str,
    sobject: str,
    filters: list[tuple[str, str, Value]],
    fields: list[str],
    output: str,
    next: str,
    fault: str,
    description: str,
) -> Element:
    return _node(
        "recordLookups",
        name,
        label,
        description,
        ("assignNullValuesIfNoRecordsFound", False),
        *_connector("connector", next),
        *_connector("faultConnector", fault),
        ("filterLogic", "and"),
        *(
            _element("filters", ("field", field), ("operator", op), value)
            for field, op, value in filters
        ),
        ("getFirstRecordOnly", False),
        ("object", sobject),
        ("outputReference", output),
        ("queriedFields", fields),
    )


def screen(
    name: str,
    label: str,
    fields: list[Element],
    next: str | None,
    *,
    back: bool = True,
    description: str,
) -> Element:
    return _node(
        "screens",
        name,
        label,
        description,
        ("allowBack", back),
        ("allowFinish", True),
        ("allowPause", False),
        *_connector("connector", next),
        *fields,
        ("showFooter", True),
        ("showHeader", True),
    )


def display(name: str, template: str, visible_when: Element | None = None) -> Element:
    return _element(
        "fields",
        ("name", name),
        ("fieldText", template),
        ("fieldType", "DisplayText"),
        *([visible_when] if visible_when is not None else []),
    )


def input_field(
    name: str,
    label: str,
    data_type: str,
    *,
    required: bool = False,
    default: Value | None = None,
    visible_when: Element | None = None,
) -> Element:
    return _element(
        "fields",
        ("name", name),
        ("dataType", data_type),
        *([_element("defaultValue", *list(default))] if default is not None else []),
        ("fieldText", label),
        ("fieldType", "InputField"),
        ("isRequired", required),
        *([visible_when] if visible_when is not None else []),
    )


def choice_field(
    name: str, label: str, choices: list[str], field_type: str, *, required: bool
) -> Element:
    """Checkboxes (MultiSelectCheckboxes) or radio buttons over choices or choice sets."""
    return _element(
        "fields",
        ("name", name),
        ("choiceReferences", choices),
        ("dataType", "String"),
        ("fieldText", label),
        ("fieldType", field_type),
        ("isRequired", required),
    )


def visible_if(*conditions: Element, logic: str = "and") -> Element:
    """Shown while `conditions` hold: all of them, or as `logic` combines them ("1 AND (2 OR 3)")."""
    return _element("visibilityRule", ("conditionLogic", logic), *conditions)


def choice(name: str, label: str, value: str) -> Element:
    return _element(
        "choices", ("name", name), ("choiceText", label), ("dataType", "String"), text(value)
    )


def record_choices(
    name: str, sobject: str, filters: list[tuple[str, str, Value]], field: str
) -> Element:
    """A choice per record of `sobject` matching `filters`, shown and valued by `field`."""
    return _element(
        "dynamicChoiceSets",
        ("name", name),
        ("dataType", "String"),
        ("displayField", field),
        ("filterLogic", "and"),
        *(_element("filters", ("field", f), ("operator", op), value) for f, op, value in filters),
        ("object", sobject),
        ("valueField", field),
    )


def formula(name: str, data_type: str, expression: str, description: str) -> Element:
    return _element(
        "formulas",
        ("description", description),
        ("name", name),
        ("dataType", data_type),
        ("expression", expression),
    )


def text_template(name: str, template: str) -> Element:
    return _element(
        "textTemplates",
        ("description", "Shown on a screen."),
        ("name", name),
        ("isViewedAsPlainText", True),
        ("text", template),
    )


def variable(
    name: str,
    data_type: str,
    description: str,
    *,
    apex_class: str | None = None,
    object_type: str | None = None,
    collection: bool = False,
    is_input: bool = False,
) -> Element:
    return _element(
        "variables",
        ("description", description),
        ("name", name),
        *([("apexClass", apex_class)] if apex_class else []),
        ("dataType", data_type),
        ("isCollection", collection),
        ("isInput", is_input),
        ("isOutput", False),
        *([("objectType", object_type)] if object_type else []),
    )


def start(first: str) -> Element:
    return _element("start", ("locationX", 0), ("locationY", 0), *_connector("connector", first))


def canvas_auto_layout() -> list[Element]:
    return [
        _element(
            "processMetadataValues",
            ("name", name),
            _element("value", ("stringValue", value)),
        )
        for name, value in (
            ("BuilderType", "LightningFlowBuilder"),
            ("CanvasMode", "AUTO_LAYOUT_CANVAS"),
        )
    ]


FLOW_FIELD_ORDER = (
    "actionCalls",
    "apiVersion",
    "assignments",
    "choices",
    "decisions",
    "description",
    "dynamicChoiceSets",
    "environments",
    "formulas",
    "interviewLabel",
    "label",
    "loops",
    "processMetadataValues",
    "processType",
    "recordLookups",
    "screens",
    "start",
    "status",
    "textTemplates",
    "variables",
)


def ordered(children: list[Any]) -> list[Any]:
    """A Flow's top-level children in the schema's order (stable within a kind)."""

    def kind(child: Any) -> str:
        return child.tag if isinstance(child, Element) else child[0]

    return sorted(children, key=lambda child: FLOW_FIELD_ORDER.index(kind(child)))
