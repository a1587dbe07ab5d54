"""The proof that nothing is lost and nothing doubled: `make proof`.

It runs the real `sopbot run` process against the project's stand-ins of the Telegram Bot API
and the WhatsApp Graph API, over whole cases, and crashes it again and again: at seeded stage
boundaries (`SOPBOT_FAILPOINT`, the process ends with `os._exit`) and by `kill -9` from outside
at random moments. After each crash it starts the process again, and at the end it checks the
history against the same cases run without crashes. A failing seed is printed to replay it.
"""
