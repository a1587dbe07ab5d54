"""The composition root: wires settings, SOP, storage, clock and services together.

Storage and the channel adapters are imported inside functions so that the core never depends
on them at import time. `app` builds what every command needs; `running` starts the bot's
channels and loops (`sopbot run`); `demo` plays the offline demo.
"""

from bot.bootstrap.app import (
    QUIET_LOGGERS,
    App,
    build_app,
    build_chat,
    build_dashboard,
    channel_senders,
    configure_logging,
    database_url,
    has_database,
    run_dashboard,
    stored_versions,
    worker,
)
from bot.bootstrap.demo import interactive_demo, run_demo, run_interactive
from bot.bootstrap.running import (
    Channels,
    Service,
    build_channels,
    build_runtime,
    run_bot,
    running,
)

__all__ = [
    "QUIET_LOGGERS",
    "App",
    "Channels",
    "Service",
    "build_app",
    "build_channels",
    "build_chat",
    "build_dashboard",
    "build_runtime",
    "channel_senders",
    "configure_logging",
    "database_url",
    "has_database",
    "interactive_demo",
    "run_bot",
    "run_dashboard",
    "run_demo",
    "run_interactive",
    "running",
    "stored_versions",
    "worker",
]
