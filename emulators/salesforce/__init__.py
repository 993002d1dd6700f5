"""An in-process Salesforce org speaking the real REST (and Bulk API 2.0) wire protocol."""

from .emulator import WRITE_KINDS, SalesforceEmulator
from .faults import FAULT_KINDS
from .ids import checksum_suffix, to_18

__all__ = ["FAULT_KINDS", "WRITE_KINDS", "SalesforceEmulator", "checksum_suffix", "to_18"]
