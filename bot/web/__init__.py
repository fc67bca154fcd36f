"""The aiohttp application: health check, Telegram webhook, and the console."""
