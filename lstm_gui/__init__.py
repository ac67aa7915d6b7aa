"""lstm-gui: watch a single LSTM unit learn, live."""
__version__ = "0.1.0"
