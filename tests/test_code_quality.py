"""Repository-wide checks: migrations match the models, ruff is clean, catalogues are complete."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_models_have_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff_is_clean(args):
    done = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_translation_catalogue_is_complete(language):
    catalogue = polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
    assert len(catalogue) > 50
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


def test_catalogue_covers_every_marked_string(tmp_path):
    """makemessages over a copy of the tree finds no msgid the committed catalogues lack."""
    copy = tmp_path / "tree"
    ignore = shutil.ignore_patterns(".venv", ".git", "var", "staticfiles", "__pycache__", "*.mo", "test-artifacts")
    shutil.copytree(ROOT, copy, ignore=ignore)
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "-l",
            "en",
            "--ignore=tests/*",
            "--ignore=bench/*",
            "--ignore=staticfiles/*",
            "--no-obsolete",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(copy)},
    )
    assert done.returncode == 0, done.stderr
    for language in ("zh_Hans", "en"):
        found = {e.msgid for e in polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))}
        committed = {e.msgid for e in polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))}
        assert sorted(found - committed) == [], f"run makemessages for {language}"
