"""Use cases: link a Marketo program to a Salesforce campaign and keep the two in step
(reference 004). The flow-action equivalents live in services/campaign_members.py.

A run reads both sides in full pages (Marketo 300 members a call, Salesforce 2,000), compares
each person with the state both sides agreed on after the last run (the snapshot), writes only the
difference, publishes what changed, and records as agreed only what both sides confirmed: a crash
or a refused record leaves the old state, so the next run finds the same difference and finishes
it (a write that did land is then seen on both sides and needs no second write).

The modules, each one job: `links` (link, unlink and describe a program's link), `sync` (the
scheduled run over every link, and one link's run under its lease), `run` (one link's run: read
both sides, decide, write, record), `people` (what a run knows of one person, and the values it
writes for them), `result` (a run's result), `ports` (what the sync runs on) and `errors` (the
refusals).
"""
