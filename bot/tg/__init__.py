"""The Telegram wing: python-telegram-bot's lifecycle (`app`), the command routes (`routes`), what every
handler shares (`handler`), the query, subscription and admin commands, rendering (`render`, `text`,
`i18n`) and the outbox sender. Importing the package loads nothing; `bot.service` imports `bot.tg.app`
only when a token is set.
"""
