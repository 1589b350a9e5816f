"""Let the model tests run without Django (``-p no:django``) under the project-wide autouse fixture."""

import pytest


@pytest.fixture(autouse=True)
def _english_by_default(request):
    # Shadows the root conftest fixture of the same name, which needs pytest-django's `settings`;
    # with the plugin active the original behaviour is kept.
    if request.config.pluginmanager.has_plugin("django"):
        request.getfixturevalue("settings").LANGUAGE_CODE = "en"
