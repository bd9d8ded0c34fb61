defmodule Ledger.Consensus do
  @moduledoc "Account balances decided by a three-member Raft group."

  @members [:"market@ledger-1", :"market@ledger-2", :"market@ledger-3"]

  def start do
    servers = for node <- @members, do: {:ledger, node}
    :ra.start_cluster(:default, :ledger, {:module, Ledger.Machine, %{}}, servers)
  end

  def transfer(from, to, amount) do
    :ra.process_command({:ledger, node()}, {:transfer, from, to, amount}, 5_000)
  end
end
