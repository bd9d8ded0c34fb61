defmodule Ledger.RateTable do
  use GenServer

  @table :ledger_rates

  def start_link(_opts), do: GenServer.start_link(__MODULE__, :ok, name: __MODULE__)

  def rate(currency) do
    case :ets.lookup(@table, currency) do
      [{^currency, rate}] -> {:ok, rate}
      [] -> :error
    end
  end

  @impl true
  def init(:ok) do
    :ets.new(@table, [:named_table, :protected, read_concurrency: true])
    {:ok, nil}
  end
end
