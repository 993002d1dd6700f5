"""An in-process Salesforce org speaking the real REST and Bulk API 2.0 wire protocol.

    org = SalesforceEmulator(page_size=2000)
    sf = simple_salesforce.Salesforce(instance_url=org.instance_url, session_id="token",
                                      session=org.session())

Served under /services/data/vNN.N/ (any version):
  query, queryAll (+ nextRecordsUrl paging, Sforce-Query-Options batchSize), sobjects
  (create/get/update/delete, upsert and get by external id, describe), composite/sobjects
  (create, update, upsert by external id, delete, retrieve; 200 records, allOrNone), limits,
  jobs/query and jobs/ingest (Bulk API 2.0).
Permissions: by default the API user may do anything; `org.enforce_permission_set(path)` makes it
a minimum-access user holding that SFDX permission set (object permissions and field-level
security, see permissions.py). Seeding (insert, update_record, ...) is never restricted.
Deletes go to the Recycle Bin (seen by queryAll) and cascade as Salesforce's do; SOAP's undelete
and merge, which REST lacks, are test-side helpers (`undelete_record`, `merge_records`); lookups
declared SetNull (`define_set_null_lookup`) are cleared on delete and restored on undelete.
SOQL subset: see soql.py. Not served: SOSL search, the composite/batch/tree resources, Bulk API
1.0 (/services/async), Apex REST, metadata/tooling, OAuth login (any bearer token is accepted
unless `accepted_tokens` is set).
"""

from .emulator import WRITE_KINDS, SalesforceEmulator
from .faults import FAULT_KINDS
from .ids import checksum_suffix, to_18

__all__ = ["FAULT_KINDS", "WRITE_KINDS", "SalesforceEmulator", "checksum_suffix", "to_18"]
