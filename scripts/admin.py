"""Admin command line for every admin API route, signed with your AWS credentials (SigV4).

    python -m scripts.admin --api https://<api-id>.execute-api.<region>.amazonaws.com/Prod \\
        apply 701XXXXXXXXXXXXXXX --date 2026-01-15 --status Attended --only-without-date
    python -m scripts.admin --api … preview 701… --date 2026-01-15
    python -m scripts.admin --api … status <job-id> [--errors]
    python -m scripts.admin --api … undo <job-id>
    python -m scripts.admin --api … sync-status 701… [--csv > report.csv]
    python -m scripts.admin --api … mapping [set <type> <channel> [<subchannel>] | remove <type>]
    python -m scripts.admin --api … program-links
    python -m scripts.admin --api … program link <program-id> 701… | unlink <program-id> | sync <program-id>
    python -m scripts.admin --api … member add 701… <email> --status Registered [--first-name …]
    python -m scripts.admin --api … member show|remove 701… <email or Lead/Contact id>
    python -m scripts.admin --api … member status 701… <email or id> <status>

`apply` previews, asks for confirmation (`--yes` skips it), applies, then shows a progress bar
until the job has finished; so does `undo`. A mapping change reads the mapping, shows what
changes, asks, and saves it with the version it read (someone else's save in between is refused
and changes nothing). Results print as tables. `sync-status --csv` writes the campaign's sync
report (member, person, email, outcome, reason, touchpoint date, channel) page by page as it
arrives: it holds personal data, so keep the file where the data may be. Requests are signed
with SigV4 (service `execute-api`, botocore's signer) using the standard AWS credential chain
(`--profile`, environment, SSO, instance role); the caller needs `execute-api:Invoke` on the
admin API. Needs only `boto3` and `requests`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TextIO
from urllib.parse import parse_qsl, quote, urlsplit

import botocore.session
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

FINISHED = {"succeeded", "partially_failed", "failed"}
SIGNED_HEADERS = ("content-type", "idempotency-key")
BAR_WIDTH = 30
_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")


class SigV4(requests.auth.AuthBase):
    """Signs each request for API Gateway (`execute-api`) with the caller's AWS credentials."""

    def __init__(self, credentials: Any, region: str) -> None:
        self._credentials = credentials
        self._region = region

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        headers = {k: v for k, v in request.headers.items() if k.lower() in SIGNED_HEADERS}
        signed = AWSRequest(
            method=request.method, url=request.url, data=request.body, headers=headers
        )
        SigV4Auth(self._credentials, "execute-api", self._region).add_auth(signed)
        request.headers.update(dict(signed.headers.items()))
        return request


class Refused(Exception):
    """The API refused the request; nothing was changed."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        field = f" (field: {body['field']})" if body.get("field") else ""
        code = body.get("error") or body.get("message") or "ERROR"
        super().__init__(f"HTTP {status} {code}: {body.get('message', '')}{field}")


class AdminApi:
    def __init__(self, base_url: str, auth: requests.auth.AuthBase, session: requests.Session):
        self._base = base_url.rstrip("/")
        self._auth = auth
        self._session = session

    def _call(self, method: str, path: str, body=None, headers=None, params=None) -> dict:
        return self._request(method, path, body, headers, params).json()

    def _request(
        self, method: str, path: str, body=None, headers=None, params=None
    ) -> requests.Response:
        reply = self._session.request(
            method,
            self._base + path,
            data=json.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json", **(headers or {})},
            params=params,
            auth=self._auth,
            timeout=60,
        )
        if reply.status_code >= 400:
            try:
                data = reply.json()
            except ValueError:
                data = {"message": reply.text[:200]}
            raise Refused(reply.status_code, data)
        return reply

    def preview(self, campaign_id: str, body: dict) -> dict:
        return self._call("POST", f"/campaigns/{campaign_id}/touchpoint-date/preview", body)

    def apply(self, campaign_id: str, body: dict, key: str) -> dict:
        path = f"/campaigns/{campaign_id}/touchpoint-date"
        return self._call("POST", path, body, {"Idempotency-Key": key})

    def job(self, job_id: str, next_page: str | None = None) -> dict:
        return self._call(
            "GET", f"/jobs/{job_id}", params={"next": next_page} if next_page else None
        )

    def undo(self, job_id: str) -> dict:
        return self._call("POST", f"/jobs/{job_id}/undo")

    def sync_status(self, campaign_id: str) -> dict:
        return self._call("GET", f"/campaigns/{campaign_id}/sync-status", params={"limit": 1})

    def mapping(self) -> dict:
        return self._call("GET", "/channel-mapping")

    def put_mapping(self, rows: list[dict], version: int) -> dict:
        return self._call(
            "PUT", "/channel-mapping", {"mappings": rows}, {"If-Match": f'"{version}"'}
        )

    def program_links(self) -> dict:
        return self._call("GET", "/program-links")

    def link(self, program_id: int, campaign_id: str) -> dict:
        return self._call("PUT", f"/programs/{program_id}/campaign", {"campaign_id": campaign_id})

    def unlink(self, program_id: int) -> dict:
        return self._call("DELETE", f"/programs/{program_id}/campaign")

    def sync_program(self, program_id: int) -> dict:
        return self._call("POST", f"/programs/{program_id}/sync")

    def add_member(self, campaign_id: str, body: dict) -> dict:
        return self._call("POST", f"/campaigns/{campaign_id}/members", body)

    def member(self, method: str, campaign_id: str, person: str, body=None) -> dict:
        """GET, PATCH (status) or DELETE one member, named by email or Lead/Contact id."""
        path = f"/campaigns/{campaign_id}/members/{quote(person, safe='')}"
        return self._call(method, path, body)

    def sync_report(self, campaign_id: str) -> Iterator[str]:
        """The CSV sync report a page at a time, following each page's `Link: rel="next"`."""
        params = {"format": "csv"}
        while True:
            reply = self._request("GET", f"/campaigns/{campaign_id}/sync-status", params=params)
            yield reply.text
            following = reply.links.get("next")
            if not following:
                return
            params = dict(parse_qsl(urlsplit(following["url"]).query))


# -- output -------------------------------------------------------------------------------------


def progress_bar(job: dict[str, Any]) -> str:
    """`[#########.....................]  900/2,500 updated, 3 failed (running)`"""
    progress = job["progress"]
    matched = max(progress["matched"], 1)
    done = progress["updated"] + progress["failed"]
    filled = BAR_WIDTH * done // matched
    return (
        f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {progress['updated']:,}/"
        f"{progress['matched']:,} updated, {progress['failed']:,} failed ({job['state']})"
    )


def describe_preview(preview: dict[str, Any]) -> str:
    lines = [
        f"Campaign {preview['campaign_name']} ({preview['campaign_id']})",
        f"  date:            {preview['date']}",
        f"  members matched: {preview['matched']:,}",
        f"  already dated:   {preview['already_dated']:,} (their date is replaced)",
        f"  written with:    {preview['write_path']}",
    ]
    if preview["touchpoints_enabled"]:
        lines.append("  touchpoints are enabled: existing touchpoints move to the new date")
    for member in preview["sample"][:5]:
        lines.append(
            f"    {member['member_id']}  {member['status'] or '-':<12} "
            f"{member['email'] or '(no email)':<32} now: {member['touchpoint_date'] or '-'}"
        )
    return "\n".join(lines)


def describe_errors(api: AdminApi, job: dict[str, Any], limit: int | None) -> list[str]:
    lines, page, shown = [], job, 0
    while True:
        for error in page["errors"]:
            if limit is not None and shown >= limit:
                return [
                    *lines,
                    f"  … more: python -m scripts.admin status {job['job_id']} --errors",
                ]
            lines.append(f"  {error['member_id']}  {error['error']}: {error['message']}")
            shown += 1
        if not page.get("next"):
            return lines
        page = api.job(job["job_id"], page["next"])


# -- commands -----------------------------------------------------------------------------------


def request_body(args: argparse.Namespace) -> dict[str, Any]:
    criteria: dict[str, Any] = {}
    if args.status:
        criteria["statuses"] = args.status
    if args.responded is not None:
        criteria["responded"] = args.responded
    if args.created_from:
        criteria["created_from"] = args.created_from
    if args.created_to:
        criteria["created_to"] = args.created_to
    if args.member_id:
        criteria["member_ids"] = args.member_id
    if args.only_without_date:
        criteria["only_without_date"] = True
    body: dict[str, Any] = {"date": args.date, "filter": criteria}
    if args.timezone:
        body["timezone"] = args.timezone
    if args.allow_future:
        body["allow_future"] = True
    return body


def follow(
    api: AdminApi, job: dict[str, Any], out: TextIO, sleep: Callable[[float], None], every: float
) -> dict[str, Any]:
    """Poll the job until it has finished, redrawing the progress bar."""
    redraw = "\r" if out.isatty() else "\n"
    out.write(progress_bar(job))
    while job["state"] not in FINISHED:
        sleep(every)
        job = api.job(job["job_id"])
        out.write(redraw + progress_bar(job))
    out.write("\n")
    return job


def summarize(api: AdminApi, job: dict[str, Any], out: TextIO) -> int:
    out.write(f"Job {job['job_id']}: {job['state']}\n")
    if job["errors"]:
        out.write("Members not changed:\n")
        out.write("\n".join(describe_errors(api, job, limit=10)) + "\n")
    if job.get("recompute_enqueued"):
        out.write("Touchpoints are being re-dated (recompute enqueued).\n")
    if job["kind"] == "apply" and job["state"] != "failed":
        out.write(f"Undo with: python -m scripts.admin undo {job['job_id']}\n")
    return 0 if job["state"] == "succeeded" else 2


def write_report(api: AdminApi, campaign_id: str, out: TextIO) -> int:
    """Each page as it arrives; the header line once."""
    for number, page in enumerate(api.sync_report(campaign_id)):
        out.write(page if number == 0 else page.split("\r\n", 1)[1])
    return 0


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Rows under a header, each column as wide as its widest cell; numbers right-aligned."""
    cells = [[_cell(row.get(column), column) for column in columns] for row in rows]
    widths = [max([len(c), *(len(line[n]) for line in cells)]) for n, c in enumerate(columns)]
    numeric = [all(isinstance(row.get(c), int | float) for row in rows) for c in columns]

    def line(values: list[str]) -> str:
        return "  ".join(
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    rule = ["-" * width for width in widths]
    return "\n".join([line(columns), line(rule), *(line(values) for values in cells)])


def _cell(value: Any, column: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, int) and not isinstance(value, bool) and not column.endswith("_id"):
        return f"{value:,}"  # a count; an id is written as it is
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def record(values: dict[str, Any]) -> str:
    """One answer as a two-column table (field, value)."""
    rows = [{"field": k, "value": _cell(v, k)} for k, v in values.items()]
    return table(rows, ["field", "value"])


def describe_status(status: dict[str, Any]) -> str:
    lines = [
        f"Campaign {status['campaign_id']}: last run {status['last_run']}",
        f"  touchpoints created {status.get('created', 0):,}, updated {status.get('updated', 0):,},"
        f" deleted {status.get('deleted', 0):,}, failed {status.get('failed', 0):,}",
        table(status["outcomes"], ["status", "members"]),
    ]
    if status.get("unmapped_campaign_type"):
        lines.append(f"campaign type without a channel: {status['unmapped_campaign_type']}")
    return "\n".join(lines)


def describe_mapping(mapping: dict[str, Any]) -> str:
    lines = [
        f"Channel mapping, version {mapping['version']}",
        table(mapping["mappings"], ["campaign_type", "channel", "subchannel"]),
    ]
    if mapping.get("unmapped_types"):
        lines.append(
            f"Types of synced campaigns with no mapping: {', '.join(mapping['unmapped_types'])}"
        )
    return "\n".join(lines)


def changed_mapping(args: argparse.Namespace, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The mapping with the one row set or removed (the type matched as the API does: case and
    surrounding spaces ignored)."""
    kept = [r for r in rows if not _same_type(r["campaign_type"], args.type)]
    if args.action == "remove":
        return kept
    return [
        *kept,
        {"campaign_type": args.type, "channel": args.channel, "subchannel": args.subchannel},
    ]


def _same_type(left: str, right: str) -> bool:
    return left.strip().casefold() == right.strip().casefold()


def run_mapping(args: argparse.Namespace, api: AdminApi, out: TextIO, ask) -> int:
    current = api.mapping()
    if args.action is None:
        out.write(describe_mapping(current) + "\n")
        return 0
    rows = changed_mapping(args, current["mappings"])
    if rows == current["mappings"]:
        out.write(f"{args.type} has no row to remove; nothing changed.\n")
        return 1
    what = (
        f"remove {args.type}"
        if args.action == "remove"
        else (
            f"map {args.type} to {args.channel}"
            + (f".{args.subchannel}" if args.subchannel else "")
        )
    )
    if not args.yes and ask(f"Version {current['version']}: {what}? [y/N] ").strip().lower() != "y":
        out.write("Nothing changed.\n")
        return 1
    change = api.put_mapping(rows, current["version"])
    out.write(
        f"Saved version {change['version']}; changed types: "
        f"{', '.join(change['changed_types']) or '(none)'}; "
        f"{change['recomputes_enqueued']:,} campaigns are being re-mapped.\n"
    )
    return 0


def run_program(args: argparse.Namespace, api: AdminApi, out: TextIO) -> int:
    if args.action == "link":
        answer = api.link(args.program_id, args.campaign_id)
    elif args.action == "unlink":
        answer = api.unlink(args.program_id)
    else:
        answer = api.sync_program(args.program_id)
    out.write(record(answer) + "\n")
    return 0


def run_member(args: argparse.Namespace, api: AdminApi, out: TextIO) -> int:
    if args.action == "add":
        names = {
            "first_name": args.first_name,
            "last_name": args.last_name,
            "company": args.company,
        }
        body = {
            "email": args.person,
            "status": args.status,
            **{k: v for k, v in names.items() if v},
        }
        answer = api.add_member(args.campaign_id, body)
    elif args.action == "status":
        answer = api.member("PATCH", args.campaign_id, args.person, {"status": args.new_status})
    else:
        answer = api.member(
            "GET" if args.action == "show" else "DELETE", args.campaign_id, args.person
        )
    out.write(record(answer) + "\n")
    return 0


def run(
    args: argparse.Namespace,
    api: AdminApi,
    out: TextIO,
    ask: Callable[[str], str],
    sleep: Callable[[float], None],
) -> int:
    if args.command == "preview":
        out.write(describe_preview(api.preview(args.campaign_id, request_body(args))) + "\n")
        return 0
    if args.command == "status":
        job = api.job(args.job_id)
        out.write(progress_bar(job) + "\n")
        if args.errors:
            out.write("\n".join(describe_errors(api, job, limit=None)) + "\n")
        return 0
    if args.command == "sync-status":
        if args.csv:
            return write_report(api, args.campaign_id, out)
        out.write(describe_status(api.sync_status(args.campaign_id)) + "\n")
        return 0
    if args.command == "mapping":
        return run_mapping(args, api, out, ask)
    if args.command == "program-links":
        links = api.program_links()["links"]
        rows = [
            {
                **link,
                **{k: (link.get("last_sync") or {}).get(k) for k in ("finished_at", "completed")},
            }
            for link in links
        ]
        out.write(
            table(
                rows,
                ["program_id", "campaign_id", "channel", "linked_at", "finished_at", "completed"],
            )
            + "\n"
        )
        return 0
    if args.command == "program":
        return run_program(args, api, out)
    if args.command == "member":
        return run_member(args, api, out)
    if args.command == "undo":
        if not args.yes and ask(f"Undo job {args.job_id}? [y/N] ").strip().lower() != "y":
            out.write("Nothing changed.\n")
            return 1
        return summarize(api, follow(api, api.undo(args.job_id), out, sleep, args.every), out)
    body = request_body(args)
    preview = api.preview(args.campaign_id, body)
    out.write(describe_preview(preview) + "\n")
    question = f"Set {preview['date']} on {preview['matched']:,} members? [y/N] "
    if not args.yes and ask(question).strip().lower() != "y":
        out.write("Nothing changed.\n")
        return 1
    job = api.apply(args.campaign_id, body, args.key or str(uuid.uuid4()))
    out.write(f"Job {job['job_id']} started by {job['requested_by']}\n")
    return summarize(api, follow(api, job, out, sleep, args.every), out)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m scripts.admin", description=__doc__.split("\n")[0]
    )
    root.add_argument(
        "--api",
        default=os.environ.get("TOUCHPOINTS_API_URL"),
        help="admin API base URL (stack output AdminApiUrl); or TOUCHPOINTS_API_URL",
    )
    root.add_argument("--profile", help="AWS profile to sign with")
    root.add_argument("--region", help="defaults to the region in the API URL")
    root.add_argument("--every", type=float, default=2.0, help="seconds between progress polls")
    commands = root.add_subparsers(dest="command", required=True)
    for name, text in (
        ("preview", "what an apply would change"),
        ("apply", "preview, confirm, apply and follow"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("campaign_id")
        command.add_argument(
            "--date", required=True, help="2026-01-15, or 2026-01-15T09:00:00+01:00"
        )
        command.add_argument("--timezone", help="IANA zone a plain date starts in (default UTC)")
        command.add_argument("--status", action="append", help="member status (repeatable)")
        responded = command.add_mutually_exclusive_group()
        responded.add_argument("--responded", dest="responded", action="store_true", default=None)
        responded.add_argument("--not-responded", dest="responded", action="store_false")
        command.add_argument("--created-from", help="added to the campaign on or after (date)")
        command.add_argument("--created-to", help="added to the campaign on or before (date)")
        command.add_argument("--member-id", action="append", help="member id (repeatable)")
        command.add_argument("--only-without-date", action="store_true")
        command.add_argument("--allow-future", action="store_true")
        if name == "apply":
            command.add_argument("--yes", action="store_true", help="do not ask for confirmation")
            command.add_argument("--key", help="Idempotency-Key (default: a new one)")
    status = commands.add_parser("status", help="a job's progress")
    status.add_argument("job_id")
    status.add_argument("--errors", action="store_true", help="list every member error")
    undo = commands.add_parser("undo", help="restore the members a job changed")
    undo.add_argument("job_id")
    undo.add_argument("--yes", action="store_true")
    sync_status = commands.add_parser("sync-status", help="a campaign's sync status or report")
    sync_status.add_argument("campaign_id")
    sync_status.add_argument(
        "--csv", action="store_true", help="the report, one row per member, to stdout"
    )
    mapping = commands.add_parser("mapping", help="the campaign type to channel mapping")
    mapping.set_defaults(action=None)
    mapping_actions = mapping.add_subparsers(dest="action")
    set_row = mapping_actions.add_parser("set", help="map a campaign type to a channel")
    set_row.add_argument("type")
    set_row.add_argument("channel")
    set_row.add_argument("subchannel", nargs="?")
    set_row.add_argument("--yes", action="store_true")
    remove_row = mapping_actions.add_parser("remove", help="unmap a campaign type")
    remove_row.add_argument("type")
    remove_row.add_argument("--yes", action="store_true")
    commands.add_parser("program-links", help="each Marketo program link and its last sync")
    program = commands.add_parser("program", help="link, unlink or sync a Marketo program")
    program_actions = program.add_subparsers(dest="action", required=True)
    link = program_actions.add_parser("link", help="link a program to a campaign")
    link.add_argument("program_id", type=int)
    link.add_argument("campaign_id")
    for name, text in (("unlink", "remove the link"), ("sync", "sync it now")):
        program_actions.add_parser(name, help=text).add_argument("program_id", type=int)
    member = commands.add_parser("member", help="a campaign member, by email or Lead/Contact id")
    member_actions = member.add_subparsers(dest="action", required=True)
    add = member_actions.add_parser("add", help="add (a person not in Salesforce becomes a Lead)")
    add.add_argument("campaign_id")
    add.add_argument("person", metavar="email")
    add.add_argument("--status", required=True)
    for name in ("first_name", "last_name", "company"):
        add.add_argument(f"--{name.replace('_', '-')}", dest=name)
    for name, text in (("show", "whether the person is a member"), ("remove", "remove the member")):
        action = member_actions.add_parser(name, help=text)
        action.add_argument("campaign_id")
        action.add_argument("person")
    status_change = member_actions.add_parser("status", help="change the member's status")
    status_change.add_argument("campaign_id")
    status_change.add_argument("person")
    status_change.add_argument("new_status")
    return root


def main(
    argv: list[str] | None = None,
    *,
    session: requests.Session | None = None,
    credentials: Any = None,
    ask: Callable[[str], str] = input,
    sleep: Callable[[float], None] = time.sleep,
    out: TextIO = sys.stdout,
) -> int:
    args = parser().parse_args(argv)
    if not args.api:
        out.write("--api (or TOUCHPOINTS_API_URL) is required\n")
        return 1
    aws = botocore.session.Session(profile=args.profile)
    region = (
        args.region
        or next(iter(_REGION_IN_HOST.findall(args.api)), None)
        or aws.get_config_variable("region")
    )
    credentials = credentials or aws.get_credentials()
    if credentials is None or not region:
        out.write("No AWS credentials or region found: set --profile / AWS_PROFILE and --region\n")
        return 1
    api = AdminApi(args.api, SigV4(credentials, region), session or requests.Session())
    try:
        return run(args, api, out, ask, sleep)
    except Refused as refused:
        out.write(f"\nRefused, nothing changed: {refused}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
