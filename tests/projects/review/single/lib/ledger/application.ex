defmodule Ledger.Application do
  use Application

  @impl true
  def start(_type, _args) do
    children = [
      Ledger.Repo,
      {Registry, keys: :unique, name: Ledger.AccountRegistry},
      {Oban, Application.fetch_env!(:ledger, Oban)},
      Ledger.RateTable
    ]

    Supervisor.start_link(children, strategy: :one_for_one, name: Ledger.Supervisor)
  end
end
