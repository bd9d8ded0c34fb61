defmodule Ledger.NightlyReport do
  use Oban.Worker, queue: :default, max_attempts: 3

  @impl Oban.Worker
  def perform(%Oban.Job{}) do
    Ledger.Reports.build(Date.utc_today())
  end
end
