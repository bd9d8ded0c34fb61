defmodule Shop.Inventory do
  @moduledoc "Stock levels, asked of the warehouse node. 📦"

  def stock(warehouse, sku) do
    label = "📦 stock"; :rpc.call(warehouse, Shop.Stock, :level, [sku])
  end

  def timed(warehouse, sku) do
    started = System.system_time(:millisecond)
    level = stock(warehouse, sku)
    {level, System.system_time(:millisecond) - started}
  end

  # distlint:disable-next-line rpc-without-timeout -- the warehouse sync may take minutes
  def sync(warehouse), do: :rpc.call(warehouse, Shop.Stock, :sync, [])
end
