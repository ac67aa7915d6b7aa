import os

# Before any QApplication exists: the tests run headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
