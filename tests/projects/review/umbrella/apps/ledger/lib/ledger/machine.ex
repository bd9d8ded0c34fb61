defmodule Ledger.Machine do
  @behaviour :ra_machine

  @impl :ra_machine
  def init(_config), do: %{}

  @impl :ra_machine
  def apply(_meta, {:transfer, from, to, amount}, balances) do
    balances =
      balances
      |> Map.update(from, -amount, &(&1 - amount))
      |> Map.update(to, amount, &(&1 + amount))

    {balances, :ok}
  end
end
