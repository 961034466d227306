"""Resolve CloudFormation intrinsic functions (Ref, Fn::GetAtt, Fn::Sub, conditions...) in a SAM template."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any, Protocol

# The local account and region live here, not in template.py, because pseudo parameters and ARNs
# resolve to them and template.py imports this module; template.py re-exports them.
LOCAL_REGION = "ap-southeast-1"
LOCAL_ACCOUNT_ID = "123456789012"  # moto's default account
LOCAL_STACK_NAME = "midtrans-native-local"
NO_VALUE = object()  # what `!Ref AWS::NoValue` resolves to: the key is dropped

_ARN_FORMATS = {
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{region}:{account}:table/{id}",
    "AWS::KMS::Key": "arn:aws:kms:{region}:{account}:key/{id}",
    "AWS::KMS::Alias": "arn:aws:kms:{region}:{account}:{id}",
    "AWS::Serverless::Function": "arn:aws:lambda:{region}:{account}:function:{id}",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{id}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{id}:*",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{id}",
}
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


# Defined here for the same reason as the constants above (the resolver raises it); template.py re-exports it.
class TemplateError(ValueError):
    """The template uses something the local stack cannot emulate, or is inconsistent."""


# A Protocol rather than SamTemplate itself: template.py imports this module, so importing it back would be circular.
class TemplateDocument(Protocol):
    """The parts of a decoded template the resolver reads."""

    @property
    def document(self) -> Mapping[str, Any]: ...
    @property
    def parameters(self) -> Mapping[str, Any]: ...
    @property
    def resources(self) -> Mapping[str, Any]: ...


def resolve_intrinsics(template: TemplateDocument, value: Any, physical_ids: Mapping[str, str]) -> Any:
    """`value` with its intrinsics resolved the way the local stack needs them: a parameter to its Default,
    a resource to its local physical id (the logical id unless moto gave it another one), `Fn::GetAtt X.Arn`
    to a plausible ARN in the local account and region."""
    return _Resolver(template, physical_ids).resolve(value)


class _Resolver:
    def __init__(self, template: TemplateDocument, physical_ids: Mapping[str, str]) -> None:
        self.template = template
        self.physical_ids = physical_ids

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(item) for item in value) if v is not NO_VALUE]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, argument)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _intrinsic(self, name: str, arg: Any) -> Any:
        if name == "Ref":
            return self.ref(arg)
        if name == "Fn::GetAtt":
            logical_id, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
            return self.get_att(logical_id, str(self.resolve(attribute)))
        if name == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else arg
            return self.sub(text, self.resolve(variables))
        if name == "Fn::If":
            condition, when_true, when_false = arg
            return self.resolve(when_true if self.condition(condition) else when_false)
        resolved = self.resolve(arg)
        if name == "Fn::Join":
            return str(resolved[0]).join(str(part) for part in resolved[1])
        if name == "Fn::Select":
            return resolved[1][int(resolved[0])]
        if name == "Fn::Split":
            return str(resolved[1]).split(str(resolved[0]))
        if name == "Fn::Base64":
            return base64.b64encode(str(resolved).encode()).decode("ascii")
        if name == "Fn::FindInMap":
            return self.template.document["Mappings"][resolved[0]][resolved[1]][resolved[2]]
        if name in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
            return self.condition({name: arg})
        raise TemplateError(f"{name} is not supported by the local stack")

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": LOCAL_REGION,
            "AWS::AccountId": LOCAL_ACCOUNT_ID,
            "AWS::StackName": LOCAL_STACK_NAME,
            "AWS::StackId": f"arn:aws:cloudformation:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:stack/{LOCAL_STACK_NAME}/local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self.template.parameters:
            parameter = self.template.parameters[name]
            if "Default" not in parameter:
                raise TemplateError(f"parameter {name} has no Default; the local stack needs one")
            return self.resolve(parameter["Default"])
        if name in self.template.resources:
            return self.physical_ids.get(name, name)
        raise TemplateError(f"!Ref {name}: no such parameter or resource")

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource = self.template.resources.get(logical_id)
        if resource is None:
            raise TemplateError(f"!GetAtt {logical_id}.{attribute}: no such resource")
        physical_id = self.physical_ids.get(logical_id, logical_id)
        resource_type = resource.get("Type", "")
        fmt = _ARN_FORMATS.get(resource_type)
        if fmt is None:
            service = resource_type.split("::")[1].lower() if "::" in resource_type else "local"
            fmt = "arn:aws:" + service + ":{region}:{account}:{id}"
        arn = fmt.format(region=LOCAL_REGION, account=LOCAL_ACCOUNT_ID, id=physical_id)
        if attribute == "Arn":
            return arn
        if attribute == "StreamArn":
            return f"{arn}/stream/local"
        return physical_id

    def sub(self, text: str, variables: Mapping[str, Any]) -> str:
        def replace(found: re.Match[str]) -> str:
            name = found.group(1)
            if name.startswith("!"):  # ${!Literal} is written out as ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def condition(self, value: Any) -> bool:
        if isinstance(value, str):  # a named condition
            conditions = self.template.document.get("Conditions") or {}
            if value not in conditions:
                raise TemplateError(f"condition {value} is not defined")
            return self.condition(conditions[value])
        if isinstance(value, bool):
            return value
        ((name, arg),) = value.items()
        if name == "Condition":
            return self.condition(arg)
        if name == "Fn::Equals":
            left, right = self.resolve(arg)
            return str(left) == str(right)
        if name == "Fn::Not":
            return not self.condition(arg[0])
        if name == "Fn::And":
            return all(self.condition(c) for c in arg)
        if name == "Fn::Or":
            return any(self.condition(c) for c in arg)
        raise TemplateError(f"{name} is not a condition function")
