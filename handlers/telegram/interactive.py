"""`sopbot demo --interactive`: play any of the five officials in the browser.

The same stand-in and the same real bot as `sopbot demo`, but the people are driven from a
small local page: choose a role, type a message or press one of the bot's buttons, and read
the bot's answer. Everyone is registered already; nothing leaves the machine.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.texts import t
from handlers.telegram.demo import CAST, Stage
from handlers.telegram.standin import SimMessage

PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t('play.title') }}</title><style>
body{font-family:system-ui,sans-serif;margin:0;background:#e7ebf0;color:#1d2433}
header{background:#2a6fb0;color:#fff;padding:.6rem .8rem}h1{font-size:1.05rem;margin:0 0 .4rem}
nav{display:flex;flex-wrap:wrap;gap:.2rem .8rem}nav a{color:#fff;white-space:nowrap}
nav a.on{font-weight:700}
main{padding:.6rem;max-width:40rem;margin:auto}
.msg{background:#fff;border-radius:.6rem;padding:.5rem .7rem;margin:.4rem 0;white-space:pre-wrap}
.me{background:#d8f5c8;margin-left:2.5rem}.bot{margin-right:2.5rem}
form.b{display:inline}button{background:#2a6fb0;color:#fff;border:0;border-radius:.4rem;
padding:.45rem .7rem;margin:.15rem .1rem;font-size:.95rem}
.send{display:flex;gap:.4rem;position:sticky;bottom:0;background:#e7ebf0;padding:.5rem 0}
.send input{flex:1;font-size:1rem;padding:.5rem}.muted{color:#5f6b7a;font-size:.85rem}
</style></head><body><header><h1>{{ t('play.title') }}</h1><nav>
{% for key, label in roles %}<a href="/?who={{ key }}" class="{{ 'on' if key == who else '' }}">
{{ label }}</a>{% endfor %}</nav></header><main>
<p class="muted">{{ t('play.help', name=name) }}</p>
{% for m in messages %}<div class="msg {{ 'bot' if m.from_bot else 'me' }}">{{ m.text -}}
{% if m.document %}
📎 {{ m.document.filename }}{% endif -%}
{% for row in m.buttons %}<div>{% for label, data in row %}{% if data %}
<form class="b" method="post" action="/press"><input type="hidden" name="who" value="{{ who }}">
<input type="hidden" name="message" value="{{ m.message_id }}">
<input type="hidden" name="data" value="{{ data }}"><button>{{ label }}</button></form>
{% endif %}{% endfor %}</div>{% endfor %}</div>{% endfor %}
<form class="send" id="akhir" method="post" action="/send">
<input type="hidden" name="who" value="{{ who }}">
<input name="text" placeholder="{{ t('play.placeholder') }}" autocomplete="off" required>
<button>{{ t('play.send') }}</button></form></main></body></html>"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_ENV.globals["t"] = t
_TEMPLATE = _ENV.from_string(PAGE)


class Play:
    """The page's handlers over a started, registered stage."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage

    def _who(self, value: str | None) -> str:
        return value if value in CAST else "kabag"

    async def page(self, request: Request) -> Response:
        """The chat of the chosen role, with the bot's buttons."""
        who = self._who(request.query_params.get("who"))
        user = self.stage.users[who]
        chat = self.stage.standin.world.chats[user.id]
        messages = [m for m in chat.messages if not m.deleted]
        roles = [(key, cast[3]) for key, cast in CAST.items()]
        html = _TEMPLATE.render(who=who, name=CAST[who][2], roles=roles, messages=messages)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def send(self, request: Request) -> Response:
        """The chosen person types a message."""
        form = await _form(request)
        who = self._who(form.get("who"))
        text = form.get("text", "").strip()
        if text:
            await self.stage.send(who, text)
        return _back(who)

    async def press(self, request: Request) -> Response:
        """The chosen person presses a button of one of the bot's messages."""
        form = await _form(request)
        who = self._who(form.get("who"))
        user = self.stage.users[who]
        target = _message(self.stage, user.id, form.get("message", ""))
        if target is not None and form.get("data"):
            user.press_data(form["data"], target)
            await self.stage.standin.settle()
        return _back(who)


def _message(stage: Stage, chat_id: int, message_id: str) -> SimMessage | None:
    chat = stage.standin.world.chats[chat_id]
    return next((m for m in chat.messages if str(m.message_id) == message_id), None)


async def _form(request: Request) -> dict[str, str]:
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    return {key: values[0] for key, values in fields.items()}


def _back(who: str) -> Response:
    return RedirectResponse("/?" + urlencode({"who": who}) + "#akhir", 303)


def build_play(stage: Stage) -> Starlette:
    """The interactive page over a started, registered stage."""
    play = Play(stage)
    return Starlette(
        routes=[
            Route("/", play.page, methods=["GET"]),
            Route("/send", play.send, methods=["POST"]),
            Route("/press", play.press, methods=["POST"]),
        ]
    )


