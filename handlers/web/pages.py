"""HTML of the dashboard: small Jinja2 templates, autoescaped, texts from the catalogue."""

from __future__ import annotations

from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape

from bot.texts import t

BASE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t('web.title') }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2433;
background:#f4f6f9;line-height:1.4}
header{background:#0b4f8a;color:#fff;padding:.8rem 1rem;display:flex;flex-wrap:wrap;
justify-content:space-between;align-items:center;gap:.5rem}
header a{color:#fff}
h1{font-size:1.15rem;margin:0}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
main{padding:.8rem;max-width:60rem;margin:auto}
.card{background:#fff;border-radius:.5rem;padding:.7rem .8rem;margin:.5rem 0;
box-shadow:0 1px 2px rgba(0,0,0,.08);border-left:.35rem solid #2e7d32}
.card.late{border-left-color:#c62828}.card.held{border-left-color:#9e9e9e}
.muted{color:#5f6b7a;font-size:.9rem}.late-text{color:#c62828;font-weight:600}
.ok-text{color:#2e7d32}
a.button,button{display:inline-block;background:#0b4f8a;color:#fff;border:0;border-radius:.4rem;
padding:.55rem .9rem;text-decoration:none;font-size:1rem;margin:.2rem 0}
input{font-size:1.1rem;padding:.5rem;width:100%;box-sizing:border-box;margin:.3rem 0 .6rem}
.error{background:#fdecea;color:#8a1c1c;padding:.6rem;border-radius:.4rem}
</style></head><body>
<header><h1>{{ t('web.title') }}</h1>
{% if person %}<span>{{ t('web.signed_in_as', name=person.name) }} ·
<a href="/logout">{{ t('web.logout') }}</a></span>{% endif %}</header>
<main>{% block main %}{% endblock %}</main></body></html>"""

LOGIN = """{% extends "base" %}{% block main %}
<h2>{{ t('web.login_title') }}</h2>
{% if refused %}<p class="error">{{ t('web.login_refused') }}</p>{% endif %}
<p class="muted">{{ t('web.login_help') }}</p>
<form method="post" action="/login"><label for="code">{{ t('web.login_code') }}</label>
<input id="code" name="code" autocomplete="one-time-code" required>
<button type="submit">{{ t('web.login_button') }}</button></form>
{% endblock %}"""

INDEX = """{% extends "base" %}{% block main %}
<h2>{{ t('web.open_cases') }}</h2><p class="muted">{{ t('web.open_cases_help') }}</p>
{% for row in rows %}
<div class="card {{ row.css }}"><a href="/kasus/{{ row.ref }}"><strong>{{ row.ref }}</strong></a>
{{ row.subject }}<br>{{ t('web.col_step') }} {{ row.step }}<br>
<span class="muted">{{ t('web.col_waiting_for') }}: {{ row.who }}</span><br>
<span class="muted">{{ t('web.col_due') }}: {{ row.due }}</span><br>
<span class="{{ 'late-text' if row.css == 'late' else 'ok-text' }}">{{ row.lateness }}</span>
</div>
{% else %}<p>{{ t('web.no_open_cases') }}</p>{% endfor %}
{% endblock %}"""

CASE = """{% extends "base" %}{% block main %}
<p><a href="/">&larr; {{ t('web.back') }}</a></p>
<h2>{{ case.ref }} — {{ case.subject }}</h2>
<p class="muted">{{ partner }}<br>{{ status }}</p>
<h2>{{ t('web.timeline') }}</h2>
{% for row in rows %}<div class="card run {{ 'late' if row.late else '' }}">
<strong>{{ row.step }}</strong><br>
<span class="muted">{{ t('web.col_performer') }}: {{ row.who }}</span><br>
<span class="muted">{{ t('web.col_started') }}: {{ row.started }}</span><br>
<span class="muted">{{ t('web.col_due') }}: {{ row.due }}</span><br>
<span class="muted">{{ t('web.col_finished') }}: {{ row.finished }}</span><br>
{{ t('web.col_outcome') }}: {{ row.outcome }} ·
<span class="{{ 'late-text' if row.late else 'ok-text' }}">{{ row.lateness }}</span>
{% if row.note %}<br>{{ t('web.col_note') }}: {{ row.note }}{% endif %}</div>{% endfor %}
{% if deviations %}<h2>{{ t('web.deviations') }}</h2><ul>
{% for line in deviations %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
<h2>{{ t('web.documents') }}</h2>
{% for doc in documents %}<p>
<a href="/kasus/{{ case.ref }}/berkas/{{ doc.sha256 }}">{{ doc.label }}: {{ doc.filename }}</a></p>
{% else %}<p>{{ t('web.no_documents') }}</p>{% endfor %}
<h2>{{ t('web.reports') }}</h2>
<a class="button" href="/kasus/{{ case.ref }}/laporan.docx">{{ t('web.report_docx') }}</a>
<a class="button" href="/kasus/{{ case.ref }}/laporan.csv">{{ t('web.report_csv') }}</a>
{% endblock %}"""

NOT_FOUND = """{% extends "base" %}{% block main %}
<p>{{ t('web.not_found') }}</p><p><a href="/">{{ t('web.back') }}</a></p>{% endblock %}"""

_ENV = Environment(
    loader=DictLoader(
        {"base": BASE, "login": LOGIN, "index": INDEX, "case": CASE, "not_found": NOT_FOUND}
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_ENV.globals["t"] = t


def render(page: str, **context: Any) -> str:
    """The named page filled with `context` (everything is HTML-escaped)."""
    return _ENV.get_template(page).render(**context)
