defmodule Fleet.Dispatcher do
  @moduledoc "One dispatcher for the whole cluster, registered in Horde."
  use GenServer

  def start_link(opts) do
    GenServer.start_link(__MODULE__, opts, name: {:via, Horde.Registry, {Fleet.Registry, __MODULE__}})
  end

  def assign(truck), do: GenServer.call({:via, Horde.Registry, {Fleet.Registry, __MODULE__}}, {:assign, truck}, 5_000)

  @impl true
  def init(opts), do: {:ok, opts}

  @impl true
  def handle_call({:assign, truck}, _from, state), do: {:reply, {:ok, truck}, state}
end
