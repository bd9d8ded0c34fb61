defmodule LedgerTest do
  use ExUnit.Case

  test "a transfer is visible on another member" do
    [other | _] = Node.list()
    assert {:ok, _} = :rpc.call(other, Ledger.Consensus, :transfer, [:a, :b, 10])
  end
end
