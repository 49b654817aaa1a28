import pytest
from pydantic import ValidationError

from blog.settings import ModerationMode, Settings
from tests.unit.test_rules import RULE_SETTINGS


def test_settings_come_from_the_environment_names_of_the_template():
    settings = Settings.model_validate({**RULE_SETTINGS, "UNRELATED": "x"})

    assert settings.table_name == "blog"
    assert settings.comment_moderation is ModerationMode.AUTO
    assert settings.signing_secret_arn is None


@pytest.mark.parametrize("name", sorted(RULE_SETTINGS))
def test_every_setting_is_required(name):
    environment = dict(RULE_SETTINGS)
    del environment[name]
    with pytest.raises(ValidationError):
        Settings.model_validate(environment)


def test_nonsense_values_are_refused():
    with pytest.raises(ValidationError):
        Settings.model_validate({**RULE_SETTINGS, "COMMENT_MODERATION": "sometimes"})
    with pytest.raises(ValidationError):
        Settings.model_validate({**RULE_SETTINGS, "MAX_COMMENT_DEPTH": "0"})


def test_the_cdn_needs_the_secret_its_origin_header_is_checked_against():
    with pytest.raises(ValidationError, match="CDN_ORIGIN_SECRET"):
        Settings.model_validate({**RULE_SETTINGS, "CDN_ENABLED": "true", "CDN_ORIGIN_SECRET": ""})

    settings = Settings.model_validate({**RULE_SETTINGS, "CDN_ENABLED": "true", "CDN_ORIGIN_SECRET": "arn:x"})

    assert settings.cdn_enabled is True
