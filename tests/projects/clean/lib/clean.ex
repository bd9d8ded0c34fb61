defmodule Clean do
  def stock(warehouse, sku), do: :erpc.call(warehouse, Shop.Stock, :level, [sku], 5_000)

  # distlint:disable-next-line rpc-without-timeout
  def stale, do: :ok
end
