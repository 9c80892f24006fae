"""Settings come from the environment, with the embedded demo default when there is none."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "from satisfaction.celery import app;"
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
    " 'cache': settings.CACHES['default']['BACKEND'], 'eager': app.conf.task_always_eager,"
    " 'broker': app.conf.broker_url, 'tz': settings.TIME_ZONE, 'lang': settings.LANGUAGE_CODE}))"
)


def _run(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "satisfaction.settings", "HOME": "/tmp"}
    return subprocess.run(
        [sys.executable, *args] if args else [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_environment_falls_back_to_the_embedded_default():
    done = _run(PROBE, {})
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["engine"] == "django.db.backends.sqlite3"
    assert facts["cache"].endswith("LocMemCache")
    assert facts["eager"] is True
    assert facts["tz"] == "Asia/Shanghai"
    assert "Embedded default in use" in done.stderr
    assert done.stderr.count("Embedded default in use") == 1


def test_environment_selects_postgresql_and_redis():
    done = _run(
        PROBE,
        {
            "DATABASE_URL": "postgres://u@db:5432/x",
            "REDIS_URL": "redis://cache:6379/0",
            "TIME_ZONE": "Europe/London",
            "LANGUAGE_CODE": "en",
        },
    )
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["engine"] == "django.db.backends.postgresql"
    assert facts["cache"].endswith("RedisCache")
    assert facts["eager"] is False
    assert facts["broker"] == "redis://cache:6379/0"
    assert (facts["tz"], facts["lang"]) == ("Europe/London", "en")
    assert "Embedded default" not in done.stderr


def test_production_settings_pass_check_deploy():
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-" + "y" * 20,
        "ALLOWED_HOSTS": "satisfaction.example.com",
        "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    }
    done = _run("", env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_refuses_to_start_without_a_secret_key():
    done = _run(PROBE, {"DEBUG": "false"})
    assert done.returncode != 0
    assert "SECRET_KEY must be set" in done.stderr


def test_anonymity_k_below_three_is_refused():
    done = _run(PROBE, {"ANONYMITY_K": "2"})
    assert done.returncode != 0
    assert "never set below 3" in done.stderr


def test_email_url_names_the_smtp_server():
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "s = settings; print(json.dumps([s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_HOST_USER]))"
    )
    done = _run(code, {"EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587"})
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["smtp.example.com", 587, True, "mailer"]
