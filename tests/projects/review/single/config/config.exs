import Config

config :ledger, Oban,
  repo: Ledger.Repo,
  queues: [default: 10],
  plugins: [{Oban.Plugins.Cron, crontab: [{"0 2 * * *", Ledger.NightlyReport}]}]
