"""Settings come from the environment; production settings pass the deploy check.

Settings are read when Django starts, so each case runs in a fresh process.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
    "DJANGO_DEBUG": "0",
    "DJANGO_HTTPS": "1",
    "DJANGO_ALLOWED_HOSTS": "board.example.com",
}
PRINT_BACKENDS = """
import django
django.setup()
from django.conf import settings
db, layer = settings.DATABASES["default"], settings.CHANNEL_LAYERS["default"]
print(db["ENGINE"], layer["BACKEND"])
print(db.get("HOST") or "-", db.get("PORT") or "-", db["NAME"], db.get("USER") or "-")
print(layer.get("CONFIG", {}).get("hosts"))
"""


def run(args, **env):
    """Run `python args...` in the project with only the given settings set."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_")
        and name not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")
    }
    clean["DJANGO_SETTINGS_MODULE"] = "whiteboard.settings"
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def deploy_check(**env):
    return run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)


def test_production_settings_pass_the_deploy_check():
    result = deploy_check(**PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_with_the_built_in_secret_key():
    settings = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}

    result = deploy_check(**settings)

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_the_deploy_check_fails_without_https():
    result = deploy_check(**{**PRODUCTION, "DJANGO_HTTPS": "0"})

    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_without_urls_the_app_runs_on_sqlite_and_the_in_memory_layer():
    result = run(["-c", PRINT_BACKENDS])

    assert result.returncode == 0, result.stderr
    backends, database, hosts = result.stdout.splitlines()
    assert backends.split() == [
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
    ]
    assert database.split()[2].endswith("db.sqlite3")
    assert hosts == "None"


def test_database_url_and_redis_url_choose_postgresql_and_redis():
    result = run(
        ["-c", PRINT_BACKENDS],
        DATABASE_URL="postgresql://board:secret@db.example.com:5433/whiteboard",
        REDIS_URL="redis://cache.example.com:6379/2",
    )

    assert result.returncode == 0, result.stderr
    backends, database, hosts = result.stdout.splitlines()
    assert backends.split() == [
        "django.db.backends.postgresql",
        "channels_redis.core.RedisChannelLayer",
    ]
    assert database.split() == ["db.example.com", "5433", "whiteboard", "board"]
    assert hosts == "['redis://cache.example.com:6379/2']"
