"""The conversation: commands, dialogues and task views, written once for every channel."""
