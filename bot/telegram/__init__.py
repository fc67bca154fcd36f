"""The Telegram channel on python-telegram-bot 22: a thin adapter around ``bot.conversations``."""
