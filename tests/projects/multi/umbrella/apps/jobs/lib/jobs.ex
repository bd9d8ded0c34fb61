defmodule Jobs do
  def run_on(node), do: :erpc.call(node, Jobs.Worker, :run, [])
end
