"""The signing secret in template.yaml: generated, encrypted with a key of its own, and readable by
the functions that sign or hash only (DESIGN.md, Secrets)."""

import json

from tests.conftest import resources_of_type
from tests.template.test_template import as_set, policy_statements

SECRET = "SigningSecret"
KEY = "SecretsKey"
SIGNING_FUNCTIONS = {
    "ListPostsFunction",
    "GetPostFunction",
    "SubmitCommentFunction",
    "ModerateCommentsFunction",
    "ReaderDataFunction",
    "MailActionsFunction",
    "NotifyFunction",
    "ReviewPostsFunction",
}
"""The functions that sign or check cursors (the lists) or mail links (mail actions, notify), sign
webhook calls (notify), or hash client and email addresses (the comments, notify)."""


def functions_of(template):
    return resources_of_type(template, "AWS::Serverless::Function")


def test_the_secret_is_a_generated_key_ring_under_the_projects_own_key(template):
    secrets = resources_of_type(template, "AWS::SecretsManager::Secret")
    # The CDN's origin header has a secret of its own (tests/template/test_cdn.py), only with the CDN.
    (name,) = [name for name, secret in secrets.items() if "Condition" not in secret]
    properties = template["Resources"][SECRET]["Properties"]
    generate = properties["GenerateSecretString"]

    assert name == SECRET
    assert "SecretString" not in properties
    assert json.loads(generate["SecretStringTemplate"]) == {"current": "k1"}
    assert generate["GenerateStringKey"] == "k1"
    assert generate["PasswordLength"] >= 64
    assert generate["ExcludePunctuation"] is True
    assert properties["KmsKeyId"] == {"Ref": KEY}


def test_the_secrets_key_rotates_and_its_policy_names_no_one_but_the_account(template):
    key = template["Resources"][KEY]

    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    (statement,) = key["Properties"]["KeyPolicy"]["Statement"]
    assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}


def test_no_function_gets_a_key_in_its_environment(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert "SIGNING_KEY" not in variables
    assert "AWS::StackId" not in json.dumps(template["Globals"])

    for name, function in functions_of(template).items():
        own = function["Properties"].get("Environment", {}).get("Variables", {})
        if name in SIGNING_FUNCTIONS:
            assert own["SIGNING_SECRET_ARN"] == {"Ref": SECRET}, name
            # Settings of their own (the mail pages' blog title) are no keys.
            settings = {key: value for key, value in own.items() if key != "SIGNING_SECRET_ARN"}
            assert SECRET not in json.dumps(settings), name
        else:
            # Settings of their own (the feeds' addresses and title) are no keys.
            assert SECRET not in json.dumps(own), name
            assert "SIGNING_SECRET_ARN" not in own, name


def secret_statements(function):
    return [
        statement
        for statement in policy_statements(function)
        if any(action.startswith(("secretsmanager:", "kms:")) for action in as_set(statement["Action"]))
    ]


def test_only_the_functions_that_sign_or_hash_may_read_the_secret(template):
    for name, function in functions_of(template).items():
        statements = secret_statements(function)
        if name not in SIGNING_FUNCTIONS:
            assert statements == [], name
            continue
        read, decrypt = statements
        assert (read["Action"], read["Resource"]) == ("secretsmanager:GetSecretValue", {"Ref": SECRET}), name
        assert (decrypt["Action"], decrypt["Resource"]) == ("kms:Decrypt", {"Fn::GetAtt": [KEY, "Arn"]}), name
        assert decrypt["Condition"]["StringEquals"] == {
            "kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"},
            "kms:EncryptionContext:SecretARN": {"Ref": SECRET},
        }, name


def test_no_other_resource_refers_to_the_secret_or_its_key(template):
    allowed = SIGNING_FUNCTIONS | {SECRET, KEY, "SecretsKeyAlias"}

    for name, resource in template["Resources"].items():
        if name not in allowed:
            assert SECRET not in json.dumps(resource), name
            assert KEY not in json.dumps(resource), name
