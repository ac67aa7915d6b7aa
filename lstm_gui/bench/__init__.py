"""Benchmarks: ``python -m lstm_gui.bench``.  Only ``window`` and ``cell`` import the window,
and only when the window is measured (``--gui``)."""
