"""The template's secrets, created in a Secrets Manager (moto) as CloudFormation creates them.

A secret with `GenerateSecretString` gets a value as CloudFormation generates it: a random password
from Secrets Manager's GetRandomPassword with the resource's options, put under `GenerateStringKey`
into the JSON of `SecretStringTemplate`. The local runtime and the tests both create the secrets
here, so the functions read a secret shaped as in AWS, from the template alone.
"""

import json
from collections.abc import Mapping
from typing import Any

from local.template import TemplateError

# A boto3 Secrets Manager client (the project installs type stubs for DynamoDB only).
SecretsManagerClient = Any

SECRET_TYPE = "AWS::SecretsManager::Secret"  # noqa: S105 (a resource type)
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_SECRETS_MANAGER"
"""Where botocore finds Secrets Manager, with no branch in the functions' code."""
# The properties of GenerateSecretString that are GetRandomPassword's arguments of the same name.
_PASSWORD_OPTIONS = (
    "ExcludeCharacters",
    "ExcludeLowercase",
    "ExcludeNumbers",
    "ExcludePunctuation",
    "ExcludeUppercase",
    "IncludeSpace",
    "PasswordLength",
    "RequireEachIncludedType",
)


def secret_resources(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The properties of each of the template's secrets, by logical id."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == SECRET_TYPE
    }


def generated_value(client: SecretsManagerClient, properties: Mapping[str, Any]) -> str:
    """A value for a secret with these properties, generated as CloudFormation does."""
    generate = properties.get("GenerateSecretString")
    if generate is None:
        raise TemplateError("the local runtime creates secrets from GenerateSecretString only")
    options = {name: generate[name] for name in _PASSWORD_OPTIONS if name in generate}
    password = client.get_random_password(**options)["RandomPassword"]
    if "SecretStringTemplate" not in generate:
        return password
    value = json.loads(generate["SecretStringTemplate"])
    value[generate["GenerateStringKey"]] = password
    return json.dumps(value)


def create_secrets(client: SecretsManagerClient, template: Mapping[str, Any]) -> dict[str, str]:
    """Create every secret of the template; the ARN of each (what `!Ref` names), by logical id."""
    return {
        logical_id: client.create_secret(Name=logical_id, SecretString=generated_value(client, properties))[
            "ARN"
        ]
        for logical_id, properties in secret_resources(template).items()
    }
