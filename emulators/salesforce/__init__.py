"""An in-process Salesforce org speaking the real REST and Bulk API 2.0 wire protocol.

    org = SalesforceEmulator(page_size=2000)
    sf = simple_salesforce.Salesforce(instance_url=org.instance_url, session_id="token",
                                      session=org.session())

Served under /services/data/vNN.N/ (any version):
  query, queryAll (+ nextRecordsUrl paging, Sforce-Query-Options batchSize), sobjects
  (create/get/update/delete, upsert and get by external id, describe), composite/sobjects
  (create, update, upsert by external id, delete, retrieve; 200 records, allOrNone), limits,
  jobs/query and jobs/ingest (Bulk API 2.0).
Logins: the OAuth 2.0 JWT bearer flow at /services/oauth2/token on https://login.salesforce.com,
https://test.salesforce.com and the instance (oauth.py), for apps `register_connected_app` adds;
each counted as `oauth_token` in `calls`, outside the daily API request limit. Any bearer token
is accepted unless `accepted_tokens` is set; `expire_sessions()` sets it to none, so from then
on only sessions the token endpoint issues are.
Permissions: by default the API user may do anything; `org.enforce_permission_set(path)` makes it
a minimum-access user holding that SFDX permission set (object permissions and field-level
security, see permissions.py). Seeding (insert, update_record, ...) is never restricted.
Deletes go to the Recycle Bin (seen by queryAll) and cascade as Salesforce's do; SOAP's undelete
and merge, which REST lacks, are test-side helpers (`undelete_record`, `merge_records`); lookups
declared SetNull (`define_set_null_lookup`) are cleared on delete and restored on undelete.
SOQL subset: see soql.py. Not served: SOSL search, the composite/batch/tree resources, Bulk API
1.0 (/services/async), Apex REST, metadata/tooling, the other OAuth flows (password,
web server, refresh token, client credentials) and SOAP login().
"""

from .emulator import LOGIN_KIND, WRITE_KINDS, SalesforceEmulator
from .faults import FAULT_KINDS
from .ids import checksum_suffix, to_18

__all__ = [
    "FAULT_KINDS",
    "LOGIN_KIND",
    "WRITE_KINDS",
    "SalesforceEmulator",
    "checksum_suffix",
    "to_18",
]
