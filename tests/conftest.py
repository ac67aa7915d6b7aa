import os
import tempfile

# Before any QApplication exists: the tests run headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The window keeps its settings in the config folder (stored_settings.user_settings_path, which
# honours XDG_CONFIG_HOME): the tests must never read or write the user's own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="lstm-gui-tests-config-")
