"""Setujui, Kembalikan and Lewati as a person does them: the press, then the confirmation."""

from __future__ import annotations

from typing import Any

SKIP_REASON = "Berkas asli masih di Bagian Umum"


class Deciding:
    """For an office of simulated officials that can `press` a button and `say` a text."""

    async def press(self, who: str, label: str, message: Any = None) -> Any: ...
    async def say(self, who: str, text: str) -> Any: ...

    async def approve(self, who: str, message: Any = None) -> Any:
        """Setujui on the task (or `message`), then Ya, setujui."""
        await self.press(who, "Setujui", message)
        return await self.press(who, "Ya, setujui")

    async def give_back(self, who: str, note: str, message: Any = None) -> Any:
        """Kembalikan, the note, then Ya, kembalikan."""
        await self.press(who, "Kembalikan", message)
        await self.say(who, note)
        return await self.press(who, "Ya, kembalikan")

    async def skip(self, who: str, reason: str = SKIP_REASON, message: Any = None) -> Any:
        """Lewati, the reason, then Ya, lewati."""
        await self.press(who, "Lewati", message)
        await self.say(who, reason)
        return await self.press(who, "Ya, lewati")
