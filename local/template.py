"""Reading template.yaml, the one source of truth for the table, the routes and the parameters.

The local runtime and the tests take everything from here: the table's keys and indexes, the HTTP
API's routes and which function serves each, each function's environment with SAM's intrinsic
functions resolved to local values, and the Parameters with their defaults.

Decision: the CloudFormation tags (`!Ref`, `!Sub`, `!GetAtt`...) are read by a YAML loader of this
module's own, not by cfn-lint's decoder (`cfnlint.decode.cfn_yaml`). Reason: importing that decoder
imports cfn-lint's rules, template model and condition solver with it (sympy, networkx): 7 to 8.5 s
warm on the 2-core machine it was measured on, sympy two thirds of it (`python -X importtime`),
against 0.6 to 0.8 s for this whole module; every `python -m local serve`, every `invoke`, every
test session and bench run would pay it. aws-sam-translator's resolver is not in the development
set (uv.lock). Cost: twenty lines that turn every short tag into its long form by one rule
(`!GetAtt a.b` the one special case); the decoder would replace only those, since resolving the
intrinsics for local values stays this module's work either way. Would change it: a decoder that
imports without the linter, or a template the rule reads wrongly.
"""

import importlib.util
import math
import re
import sys
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from local.sigv4 import ACCOUNT_ID, REGION

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"
TABLE_RESOURCE = "BlogTable"
HTTP_API_TYPE = "AWS::Serverless::HttpApi"
FUNCTION_TYPE = "AWS::Serverless::Function"
LAYER_TYPE = "AWS::Serverless::LayerVersion"
IAM_AUTHORIZER = "AWS_IAM"
INTERPRETER_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
"""The runtime of a function whose template names none (neither it nor Globals): the Python the
workers run on."""

# The create_table arguments that a template's table properties carry as they are.
_CREATE_TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
    "BillingMode",
)


class TemplateError(ValueError):
    """The template uses something the local runtime cannot resolve."""


class _TemplateLoader(yaml.SafeLoader):
    """A YAML loader that reads CloudFormation's short tags (`!Ref X`) as their long form."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = tag_suffix if tag_suffix in ("Ref", "Condition") else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data, intrinsic functions in their long form (`{"Ref": "X"}`)."""
    with path.open(encoding="utf-8") as stream:
        template: dict[str, Any] = yaml.load(stream, Loader=_TemplateLoader)  # noqa: S506 (a SafeLoader)
    return template


def parameter_declarations(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each Parameter's declaration (Type, Default, AllowedValues, MinValue, ...), by name."""
    declarations: dict[str, dict[str, Any]] = template.get("Parameters", {})
    return declarations


def parameter_defaults(template: Mapping[str, Any]) -> dict[str, str]:
    """Each Parameter's default, as the string CloudFormation hands to `!Ref`."""
    return {
        name: str(declaration["Default"])
        for name, declaration in template.get("Parameters", {}).items()
        if "Default" in declaration
    }


def table_properties(template: Mapping[str, Any]) -> dict[str, Any]:
    """The BlogTable resource's properties."""
    properties: dict[str, Any] = template["Resources"][TABLE_RESOURCE]["Properties"]
    return properties


def create_table_arguments(template: Mapping[str, Any], table_name: str) -> dict[str, Any]:
    """`create_table` arguments for a table with the template's keys, indexes and stream."""
    properties = table_properties(template)
    arguments = {name: properties[name] for name in _CREATE_TABLE_PROPERTIES if name in properties}
    stream = stream_specification(template)
    if stream is not None:
        arguments["StreamSpecification"] = stream
    return {"TableName": table_name, **arguments}


def stream_specification(template: Mapping[str, Any]) -> dict[str, Any] | None:
    """The table's stream as the DynamoDB API takes it, or None when the template declares none.

    CloudFormation's StreamSpecification names only the StreamViewType; the API also wants
    StreamEnabled.
    """
    declared = table_properties(template).get("StreamSpecification")
    if not declared:
        return None
    return {"StreamEnabled": True, "StreamViewType": declared["StreamViewType"]}


def ttl_attribute(template: Mapping[str, Any]) -> str | None:
    """The attribute the table's TTL reads, if it has one."""
    ttl = table_properties(template).get("TimeToLiveSpecification") or {}
    attribute = ttl.get("AttributeName") if ttl.get("Enabled") else None
    return None if attribute is None else str(attribute)


@dataclass
class LocalDeployment:
    """The local values intrinsic functions resolve to: parameters, pseudo parameters, resources."""

    parameters: dict[str, str]
    stack_name: str = "serverless-blog-local"
    region: str = REGION
    account_id: str = ACCOUNT_ID
    stack_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    physical_ids: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)
    """The template's Conditions, unevaluated (see with_conditions_of)."""

    def with_conditions_of(self, template: Mapping[str, Any]) -> "LocalDeployment":
        """This stack, evaluating the template's Conditions where `Fn::If` asks for one."""
        return replace(self, conditions=dict(template.get("Conditions", {})))

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise TemplateError(f"the template has no condition {name}")
        return _is_true(self.conditions[name], self)

    def pseudo_parameters(self) -> dict[str, str]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/{self.stack_name}/{self.stack_uuid}"
            ),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        pseudo = self.pseudo_parameters()
        if name in pseudo:
            return pseudo[name]
        return self.physical_ids.get(name, name)

    def get_att(self, resource: str, attribute: str) -> str:
        physical_id = self.ref(resource)
        if attribute == "Arn":
            if resource == TABLE_RESOURCE:
                return f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{physical_id}"
            return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{physical_id}"
        if attribute == "DomainName":
            # The one DomainName the functions read: CloudFront's (NotifyFunction's MAIL_LINK_BASE_URL).
            return f"{physical_id.lower()}.cloudfront.net"
        raise TemplateError(f"!GetAtt {resource}.{attribute} has no local value")


_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")
NO_VALUE = "AWS::NoValue"


class _NoValue:
    """What `!Ref AWS::NoValue` resolves to: the property or list item it stands in is left out."""


_NOTHING = _NoValue()


def _is_true(condition: Any, stack: LocalDeployment) -> bool:
    """The value of a condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or, or a named Condition)."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, argument),) = condition.items()
        if name == "Condition":
            return stack.condition(argument)
        if name == "Fn::Equals":
            left, right = (resolve(item, stack) for item in argument)
            return str(left) == str(right)
        if name == "Fn::Not":
            return not _is_true(argument[0], stack)
        if name == "Fn::And":
            return all(_is_true(item, stack) for item in argument)
        if name == "Fn::Or":
            return any(_is_true(item, stack) for item in argument)
    raise TemplateError(f"{condition!r} is not a condition")


def resolve(value: Any, stack: LocalDeployment) -> Any:
    """`value` with every intrinsic function replaced by its local value."""
    if isinstance(value, list):
        items = (resolve(item, stack) for item in value)
        return [item for item in items if item is not _NOTHING]
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        resolved = {key: resolve(item, stack) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _NOTHING}
    ((name, argument),) = value.items()
    if name == "Ref":
        return _NOTHING if argument == NO_VALUE else stack.ref(argument)
    if name == "Fn::GetAtt":
        resource, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
        return stack.get_att(resource, attribute)
    if name == "Fn::Sub":
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local_values = {key: resolve(item, stack) for key, item in variables.items()}

        def substitute(match: re.Match[str]) -> str:
            variable = match.group(1)
            if variable in local_values:
                return str(local_values[variable])
            if "." in variable:
                return stack.get_att(*variable.split(".", 1))
            return stack.ref(variable)

        return _SUB_VARIABLE.sub(substitute, text)
    if name == "Fn::Select":
        index, items = argument
        return resolve(items, stack)[int(resolve(index, stack))]
    if name == "Fn::Split":
        separator, text = argument
        return str(resolve(text, stack)).split(separator)
    if name == "Fn::Join":
        separator, items = argument
        return separator.join(str(item) for item in resolve(items, stack))
    if name == "Fn::If":
        condition, if_true, if_false = argument
        return resolve(if_true if stack.condition(condition) else if_false, stack)
    if name.startswith("Fn::"):
        raise TemplateError(f"{name} has no local implementation")
    resolved = resolve(argument, stack)
    return _NOTHING if resolved is _NOTHING else {name: resolved}


@dataclass(frozen=True)
class FunctionDefinition:
    """A function of the template as the local runtime runs it."""

    logical_id: str
    code_dir: Path
    module_path: Path
    handler_name: str
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int = 128
    layer_dirs: tuple[Path, ...] = ()
    """Where each of the function's layers has its content: Lambda puts a Python layer on sys.path."""
    function_name: str = ""
    """The name Lambda knows it by (its FunctionName, else its logical id)."""
    runtime: str = INTERPRETER_RUNTIME
    """Its Runtime (`python3.13`), as the template names it."""
    reserved_concurrency: int | None = None
    """Its ReservedConcurrentExecutions: how many invocations Lambda runs at once; None when unset."""

    def load_module(self) -> ModuleType:
        """The handler's module, imported in this process under a name of its own (every handler
        is an `app` module, so the plain name would let one function's module stand for another)."""
        name = f"handler_{self.logical_id}"
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, self.module_path)
            assert spec is not None
            assert spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        return sys.modules[name]

    def load_handler(self) -> Any:
        """The handler function itself, as Lambda calls it, imported in this process."""
        return getattr(self.load_module(), self.handler_name)

    @property
    def folder_name(self) -> str:
        """The folder the handler lives in (`functions/<folder>/app.py`)."""
        return self.module_path.parent.name

    @property
    def handler_module(self) -> str:
        """The module Lambda imports for the handler (`get_post/app` in Handler is `get_post.app`)."""
        return ".".join(self.module_path.relative_to(self.code_dir).with_suffix("").parts)


def _function_properties(template: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    globals_ = template.get("Globals", {}).get("Function", {})
    properties = template["Resources"][logical_id].get("Properties", {})
    merged = {**globals_, **properties}
    # As SAM merges Globals: a list (Layers) is the global items followed by the function's own.
    for name, value in properties.items():
        if isinstance(value, list) and isinstance(globals_.get(name), list):
            merged[name] = [*globals_[name], *value]
    global_variables = globals_.get("Environment", {}).get("Variables", {})
    own_variables = properties.get("Environment", {}).get("Variables", {})
    merged["Environment"] = {"Variables": {**global_variables, **own_variables}}
    return merged


def _layer_dir(template: Mapping[str, Any], layer: Any) -> Path:
    # A layer of this template is referenced by `!Ref`; a layer ARN from elsewhere has no local content.
    logical_id = layer.get("Ref") if isinstance(layer, dict) else None
    resource = template["Resources"].get(logical_id, {}) if logical_id else {}
    if resource.get("Type") != LAYER_TYPE:
        raise TemplateError(f"layer {layer!r} is not a layer of this template, so it has no local content")
    return (PROJECT_ROOT / resource["Properties"]["ContentUri"]).resolve()


def functions(template: Mapping[str, Any], stack: LocalDeployment) -> dict[str, FunctionDefinition]:
    """Every function of the template, by logical id, its environment resolved for `stack`."""
    stack = stack.with_conditions_of(template)
    found = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        properties = _function_properties(template, logical_id)
        code_dir = (PROJECT_ROOT / properties["CodeUri"]).resolve()
        module, handler_name = properties["Handler"].rsplit(".", 1)
        variables = resolve(properties["Environment"]["Variables"], stack)
        found[logical_id] = FunctionDefinition(
            logical_id=logical_id,
            code_dir=code_dir,
            module_path=code_dir / f"{module}.py",
            handler_name=handler_name,
            environment={name: str(value) for name, value in variables.items()},
            timeout_seconds=int(properties.get("Timeout", 3)),
            memory_mb=int(properties.get("MemorySize", 128)),
            layer_dirs=tuple(_layer_dir(template, layer) for layer in properties.get("Layers", [])),
            function_name=str(resolve(properties.get("FunctionName", logical_id), stack)),
            runtime=str(properties.get("Runtime", INTERPRETER_RUNTIME)),
            reserved_concurrency=_reserved_concurrency(properties, stack),
        )
    return found


def _reserved_concurrency(properties: Mapping[str, Any], stack: LocalDeployment) -> int | None:
    # Commonly an `!If` on a parameter, whose other branch is `!Ref AWS::NoValue` (no reservation).
    reserved = resolve(properties.get("ReservedConcurrentExecutions"), stack)
    return int(reserved) if isinstance(reserved, int | str) else None


@dataclass(frozen=True)
class HttpRoute:
    """One route of the HTTP API and the function that serves it."""

    method: str
    path: str
    function_id: str
    iam_auth: bool

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        # A frozen dataclass with a __dict__: cached_property stores the compiled pattern there.
        return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path)))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when this route serves `method path`, else None."""
        if method != self.method:
            return None
        found = self._pattern.fullmatch(path)
        return None if found is None else found.groupdict()


def find_route(
    routes: Iterable[HttpRoute], method: str, path: str
) -> tuple[HttpRoute, dict[str, str]] | None:
    """The first route that serves `method path`, with its path parameters (as in the path, still
    percent-encoded), or None when none does."""
    for route in routes:
        parameters = route.match(method, path)
        if parameters is not None:
            return route, parameters
    return None


def http_api(template: Mapping[str, Any]) -> dict[str, Any]:
    """The properties of the template's HTTP API (intrinsic functions unresolved); empty if it has none."""
    apis = [resource for resource in template["Resources"].values() if resource.get("Type") == HTTP_API_TYPE]
    if len(apis) > 1:
        raise TemplateError("the local runtime serves one HTTP API, and the template declares several")
    properties: dict[str, Any] = apis[0].get("Properties", {}) if apis else {}
    return properties


def cors_configuration(template: Mapping[str, Any], stack: LocalDeployment) -> dict[str, Any] | None:
    """The HTTP API's CorsConfiguration resolved for `stack`, or None when it has none."""
    configuration = http_api(template).get("CorsConfiguration")
    if configuration is None:
        return None
    resolved: dict[str, Any] = resolve(configuration, stack.with_conditions_of(template))
    return resolved


@dataclass(frozen=True)
class StageThrottling:
    """The HTTP API's default route throttling: each route's token bucket."""

    rate_per_second: float
    burst: int


def stage_throttling(template: Mapping[str, Any], stack: LocalDeployment) -> StageThrottling | None:
    """The HTTP API's DefaultRouteSettings throttling resolved for `stack`, or None when it sets none."""
    settings = resolve(http_api(template).get("DefaultRouteSettings", {}), stack.with_conditions_of(template))
    if not isinstance(settings, dict) or "ThrottlingRateLimit" not in settings:
        return None
    rate = float(settings["ThrottlingRateLimit"])
    return StageThrottling(
        rate_per_second=rate, burst=int(settings.get("ThrottlingBurstLimit", math.ceil(rate)))
    )


def http_routes(template: Mapping[str, Any]) -> list[HttpRoute]:
    """The HTTP API's routes, from the functions' HttpApi events.

    A route without an `Auth` of its own has the API's default authorizer, as in SAM.
    """
    default_authorizer = http_api(template).get("Auth", {}).get("DefaultAuthorizer")
    routes = []
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "HttpApi":
                continue
            properties = event["Properties"]
            authorizer = properties.get("Auth", {}).get("Authorizer", default_authorizer)
            routes.append(
                HttpRoute(
                    method=properties["Method"].upper(),
                    path=properties["Path"],
                    function_id=logical_id,
                    iam_auth=authorizer == IAM_AUTHORIZER,
                )
            )
    return routes
