defmodule Ledger.Account do
  use GenServer

  def start_link(id) do
    GenServer.start_link(__MODULE__, id, name: {:via, Registry, {Ledger.AccountRegistry, id}})
  end

  def balance(id), do: GenServer.call({:via, Registry, {Ledger.AccountRegistry, id}}, :balance)

  @impl true
  def init(id), do: {:ok, %{id: id, balance: 0}}

  @impl true
  def handle_call(:balance, _from, state), do: {:reply, state.balance, state}
end
