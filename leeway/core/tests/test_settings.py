import os
import subprocess
import sys


def import_settings(**env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "LEEWAY_TESTING")}
    environment["LEEWAY_DATA_DIR"] = "/nonexistent-leeway-data"
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import leeway.settings"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = import_settings(DEBUG="false", LEEWAY_TESTING="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_starts_with_a_secret_key():
    assert import_settings(DEBUG="false", LEEWAY_TESTING="false", SECRET_KEY="x" * 50).returncode == 0


def test_a_malformed_boolean_fails_loudly():
    result = import_settings(DEBUG="maybe", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_production_cookies_are_secure():
    code = "import leeway.settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    environment = {k: v for k, v in os.environ.items() if k not in ("LEEWAY_TESTING", "DEBUG")}
    environment.update(SECRET_KEY="x" * 50, LEEWAY_TESTING="false", DEBUG="false")
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True True"


def test_production_reads_the_secret_key_that_make_demo_wrote(tmp_path):
    (tmp_path / "secret_key").write_text("y" * 50 + "\n")
    result = import_settings(DEBUG="false", LEEWAY_TESTING="false", LEEWAY_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
