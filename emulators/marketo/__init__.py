"""An in-process Marketo Engage instance speaking its REST wire protocol (see emulator.py)."""

from .emulator import FAULT_CODES, MAX_BATCH, TRANSIENT_CODES, WRITE_KINDS, MarketoEmulator

__all__ = ["FAULT_CODES", "MAX_BATCH", "TRANSIENT_CODES", "WRITE_KINDS", "MarketoEmulator"]
