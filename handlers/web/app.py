"""The read-only dashboard as a Starlette app: login by one-time code, then cases and files.

It talks to the core only: `Workflow` for cases, roster and waiting tasks, `CaseDocuments`
for the compliance report, the `FileStore` for stored documents.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot import weblogin
from bot.documents.service import CaseDocuments
from bot.errors import NotFound
from bot.fmt import format_datetime
from bot.ports import FileStore
from bot.texts import t
from bot.workflow.model import Case, Person
from bot.workflow.queries import WaitingItem
from bot.workflow.service import Workflow
from handlers.web import timeline
from handlers.web.pages import render

logger = logging.getLogger(__name__)

COOKIE = "sopbot_session"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The login link carries its code in the URL: never hand it on as a Referer.
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class WebConfig:
    """What the dashboard needs from the settings."""

    secret: str
    session_seconds: int
    secure_cookie: bool = False


@dataclass
class Dashboard:
    """Request handlers over the core services; used login codes are kept in the database."""

    workflow: Workflow
    documents: CaseDocuments
    files: FileStore
    config: WebConfig

    async def person(self, request: Request) -> Person | None:
        """The signed-in person, if the cookie is valid and they may still see the dashboard."""
        token = weblogin.verify(
            self.config.secret, weblogin.SESSION, request.cookies.get(COOKIE, ""), self._now()
        )
        if token is None:
            return None
        person = (await self.workflow.roster()).person(token.person_id)
        return person if self._may_view(person) else None

    async def login_form(self, request: Request) -> Response:
        """The login page; `?code=` (the printed link) logs in directly."""
        code = request.query_params.get("code")
        if code is not None:
            return await self._login(code, request.query_params.get("next", "/"))
        return _html(render("login", person=None, refused=False))

    async def login_post(self, request: Request) -> Response:
        """The login form's code."""
        fields = parse_qs((await request.body()).decode("utf-8", "replace"))
        return await self._login((fields.get("code") or [""])[0])

    async def _login(self, code: str, target: str = "/") -> Response:
        now = self._now()
        token = await weblogin.redeem(self.workflow.uow, self.config.secret, code, now)
        person = None
        if token is not None:
            person = (await self.workflow.roster()).person(token.person_id)
        if token is None or not self._may_view(person):
            logger.info("dashboard login refused")
            return _html(render("login", person=None, refused=True), 403)
        session = weblogin.issue(
            self.config.secret, weblogin.SESSION, token.person_id, now, self.config.session_seconds
        )
        response = RedirectResponse(_local(target), 303, headers=HEADERS)
        response.set_cookie(
            COOKIE,
            session,
            max_age=self.config.session_seconds,
            httponly=True,
            samesite="lax",
            secure=self.config.secure_cookie,
        )
        return response

    def _may_view(self, person: Person | None) -> bool:
        """Whether any SOP of the deployment lets the person see the dashboard."""
        return any(weblogin.may_view(person, sop) for sop in self.workflow.sops.current)

    async def logout(self, request: Request) -> Response:
        """Forget the session cookie."""
        response = RedirectResponse("/login", 303, headers=HEADERS)
        response.delete_cookie(COOKIE)
        return response

    async def index(self, request: Request) -> Response:
        """Open tasks across active cases, most overdue first."""
        person = await self.person(request)
        if person is None:
            return _to_login()
        items = await self.workflow.waiting()
        wanted = self.workflow.sops.find(request.query_params.get("sop", ""))
        if wanted is not None:  # `/?sop=KODE`: the tasks of one SOP only
            items = [item for item in items if item.sop_code == wanted.code]
        rows = [_row(item) for item in items]
        return _html(render("index", person=person, rows=rows))

    async def case(self, request: Request) -> Response:
        """One case: its data, the timeline of its step runs, documents and reports."""
        person = await self.person(request)
        if person is None:
            return _to_login()
        case = await self._case(request)
        if case is None:
            return _html(render("not_found", person=person), 404)
        roster = await self.workflow.roster()
        waiting = [i for i in await self.workflow.waiting() if i.case_ref == case.ref]
        sop = self.workflow.sops.for_case(case)
        page = timeline.page(case, sop, roster, waiting)
        docs = timeline.documents(case, sop)
        return _html(render("case", person=person, case=case, documents=docs, **page))

    async def document(self, request: Request) -> Response:
        """A stored document of the case, as an attachment."""
        if await self.person(request) is None:
            return _to_login()
        case = await self._case(request)
        sha = request.path_params["sha256"]
        links = (
            timeline.documents(case, self.workflow.sops.for_case(case)) if case is not None else []
        )
        link = next((d for d in links if d.sha256 == sha), None)
        if link is None or not self.files.exists(sha):
            return _html(render("not_found", person=None), 404)
        return _attachment(self.files.read(sha), link.filename, "application/octet-stream")

    async def report(self, request: Request) -> Response:
        """The case's compliance report, .docx with its chart or .csv."""
        if await self.person(request) is None:
            return _to_login()
        case = await self._case(request)
        ext = request.path_params["ext"]
        if case is None or ext not in ("docx", "csv"):
            return _html(render("not_found", person=None), 404)
        figures = await self.documents.reports.case(case.id or case.ref)
        if ext == "csv":
            built = self.documents.reports.csv(figures)
        else:
            sop = self.documents.workflow.sops.for_case(case)
            built = self.documents.reports.docx(figures, sop=sop)
        return _attachment(built.data, built.filename, built.media_type)

    async def _case(self, request: Request) -> Case | None:
        try:
            return await self.workflow.get(str(request.path_params["ref"]))
        except NotFound:
            return None

    def _now(self) -> datetime:
        return self.workflow.clock.now()


def _row(item: WaitingItem) -> dict[str, str]:
    if item.due_at is None:
        lateness, css = t("web.held"), "held"
    elif item.overdue_minutes:
        lateness, css = t("web.late", late=timeline.minutes(item.overdue_minutes)), "late"
    else:
        lateness, css = t("web.on_time"), ""
    return {
        "ref": item.case_ref,
        "subject": item.subject,
        "step": f"{item.step_number}. {item.step_title}",
        "who": ", ".join(item.waiting_for),
        "due": format_datetime(item.due_at) if item.due_at else "-",
        "lateness": lateness,
        "css": css,
    }


def _local(target: str) -> str:
    """A path on this site to go to after the login; anything else (`//evil`, URLs) is `/`."""
    safe = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if safe else "/"


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status, headers=HEADERS)


def _to_login() -> Response:
    return RedirectResponse("/login", 303, headers=HEADERS)


def _attachment(data: bytes, filename: str, media_type: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(data, 200, {**HEADERS, "Content-Disposition": disposition}, media_type)


def build_dashboard(
    workflow: Workflow, documents: CaseDocuments, files: FileStore, config: WebConfig
) -> Starlette:
    """The dashboard app; every page but the login needs a valid session."""
    board = Dashboard(workflow, documents, files, config)
    routes = [
        Route("/login", board.login_form, methods=["GET"]),
        Route("/login", board.login_post, methods=["POST"]),
        Route("/logout", board.logout, methods=["GET"]),
        Route("/", board.index, methods=["GET"]),
        Route("/kasus/{ref}", board.case, methods=["GET"]),
        Route("/kasus/{ref}/berkas/{sha256}", board.document, methods=["GET"]),
        Route("/kasus/{ref}/laporan.{ext:str}", board.report, methods=["GET"]),
    ]
    return Starlette(routes=routes)
