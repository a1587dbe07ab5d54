"""`/saluran`: a person registered on both channels chooses where notifications go."""

from __future__ import annotations

from bot import actions
from bot.chat.model import Answer
from bot.chat.session import Chat, Turn
from bot.errors import StaleAction
from bot.replies import Choice, Reply
from bot.texts import t


def channel_label(channel: str) -> str:
    """The channel's name as people know it (`Telegram`, `WhatsApp`)."""
    return t(f"channel.{channel}")


async def show_or_set(core: Chat, turn: Turn, arg: str) -> Answer:
    """`/saluran` shows the current choice with a button; `/saluran whatsapp` sets it."""
    wanted = arg.strip().lower()
    if not wanted:
        return await _current(core, turn)
    if wanted not in actions.CHANNELS:
        choices = ", ".join(actions.CHANNELS)
        return Answer.say("channel.unknown", value=arg.strip(), choices=choices)
    return await _set(core, turn, wanted)


async def choose(core: Chat, turn: Turn, index: int) -> Answer:
    """A channel chosen with a button of `/saluran`."""
    if index >= len(actions.CHANNELS):
        raise StaleAction()
    return await _set(core, turn, actions.CHANNELS[index])


async def _registered(core: Chat, turn: Turn) -> list[str]:
    """The person's channels, the one notifications go to first."""
    async with core.uow() as uow:
        pairs = await uow.people.identities_of(turn.person.id)
    return list(dict.fromkeys(channel for channel, _ in pairs))


async def _current(core: Chat, turn: Turn) -> Answer:
    channels = await _registered(core, turn)
    current = channel_label(channels[0]) if channels else "-"
    if len(channels) < 2:
        return Answer.say("channel.only_one", current=current)
    choices = tuple(
        Choice("button.channel", actions.encode("channel", actions.CHANNELS.index(channel)),
               {"label": channel_label(channel)})
        for channel in channels[1:]
        if channel in actions.CHANNELS
    )  # fmt: skip
    return Answer([Reply("channel.current", {"current": current}, choices)])


async def _set(core: Chat, turn: Turn, channel: str) -> Answer:
    channels = await _registered(core, turn)
    if channel not in channels:
        return Answer.say("channel.not_registered", channel=channel_label(channel))
    async with core.uow() as uow:
        await uow.people.set_preferred_channel(turn.person.id, channel)
        await uow.commit()
    return Answer.say("channel.set", channel=channel_label(channel))
