"""`--parameter-overrides`, read as SAM reads it and checked against the template's Parameters."""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from local.template import parameter_declarations

# SAM's long form, `ParameterKey=Name,ParameterValue=Value`, next to its short form `Name=Value`.
_LONG_FORM = re.compile(r"ParameterKey=(?P<name>[^,]+),ParameterValue=(?P<value>.*)", re.DOTALL)


class ParameterError(ValueError):
    """An override the template does not allow."""


def parse_overrides(arguments: Iterable[str]) -> dict[str, str]:
    """`Name=Value` (or `ParameterKey=Name,ParameterValue=Value`) arguments as a mapping."""
    overrides = {}
    for argument in arguments:
        long_form = _LONG_FORM.fullmatch(argument)
        if long_form:
            name, value = long_form["name"], long_form["value"]
        else:
            name, separator, value = argument.partition("=")
            if not separator or not name:
                raise ParameterError(f"{argument!r} is not Name=Value")
        overrides[name] = value
    return overrides


def _number(name: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ParameterError(f"{name}: {value!r} is not a number") from None


def check_value(name: str, declaration: Mapping[str, Any], value: str) -> None:
    """Raise ParameterError unless `value` satisfies the constraints the template declares for `name`."""
    allowed_values = declaration.get("AllowedValues")
    if allowed_values is not None and value not in {str(allowed) for allowed in allowed_values}:
        choices = ", ".join(str(allowed) for allowed in allowed_values)
        raise ParameterError(f"{name}: {value!r} is not one of {choices}")
    if declaration.get("Type") == "Number":
        number = _number(name, value)
        if "MinValue" in declaration and number < float(declaration["MinValue"]):
            raise ParameterError(f"{name}: {value} is below its MinValue {declaration['MinValue']}")
        if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
            raise ParameterError(f"{name}: {value} is above its MaxValue {declaration['MaxValue']}")
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and re.fullmatch(pattern, value) is None:
        explanation = declaration.get("ConstraintDescription", f"the pattern {pattern}")
        raise ParameterError(f"{name}: {value!r} does not match {explanation}")
    if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
        raise ParameterError(f"{name}: {value!r} is shorter than its MinLength {declaration['MinLength']}")
    if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
        raise ParameterError(f"{name}: {value!r} is longer than its MaxLength {declaration['MaxLength']}")


def resolve_parameters(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    """Every Parameter's value: its override where given, else its default.

    An override of a name the template does not declare, or outside its constraints, is an error,
    and so is a parameter that has neither.
    """
    declarations = parameter_declarations(template)
    unknown = sorted(set(overrides) - set(declarations))
    if unknown:
        raise ParameterError(
            f"the template declares no parameter {', '.join(unknown)}; it has {', '.join(declarations)}"
        )
    values = {}
    for name, declaration in declarations.items():
        if name in overrides:
            value = overrides[name]
        elif "Default" in declaration:
            value = str(declaration["Default"])
        else:
            raise ParameterError(f"{name} has no default: pass --parameter-overrides {name}=...")
        check_value(name, declaration, value)
        values[name] = value
    return values
