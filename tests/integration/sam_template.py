"""template.yaml as data, with CloudFormation's short tags in their long form."""

from pathlib import Path

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class _TemplateLoader(yaml.SafeLoader):
    """`!Ref X` reads as {"Ref": "X"}, `!GetAtt X.Arn` as {"Fn::GetAtt": "X.Arn"}, and so on."""


def _long_form(loader, suffix, node):
    key = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        return {key: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {key: loader.construct_sequence(node, deep=True)}
    return {key: loader.construct_mapping(node, deep=True)}


_TemplateLoader.add_multi_constructor("!", _long_form)


def load_template() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=_TemplateLoader)
