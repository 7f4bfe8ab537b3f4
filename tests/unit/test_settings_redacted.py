"""What `ilacs run` logs of its settings: everything but the secrets."""
from __future__ import annotations

from service import settings as settings_mod


def test_redacted_hides_the_passwords_and_keys_and_nothing_else():
    s = settings_mod.load(env={"ILACS_DATABASE_URL": "postgresql://ilacs:p4ss@db:5432/ilacs",
                               "ILACS_SMTP_PASSWORD": "smtp-pass", "ILACS_SECRET_KEY": "k3y"})
    shown = s.redacted()
    assert shown["database_url"] == "postgresql://ilacs:***@db:5432/ilacs"
    assert (shown["smtp_password"], shown["secret_key"]) == ("***", "***")
    assert shown["http_port"] == 8080 and not any("p4ss" in str(v) or "k3y" in str(v) for v in shown.values())


def test_a_url_without_a_password_is_shown_as_it_is():
    url = "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dt_1"
    assert settings_mod.load(env={}, database_url=url).redacted()["database_url"] == url
