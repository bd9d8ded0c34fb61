defmodule Chat.RoomNames do
  use GenServer

  def start_link(_opts), do: GenServer.start_link(__MODULE__, %{}, name: __MODULE__)

  def name(id), do: GenServer.call(__MODULE__, {:name, id})
  def rename(id, name), do: GenServer.cast(__MODULE__, {:rename, id, name})

  @impl true
  def init(names), do: {:ok, names}

  @impl true
  def handle_call({:name, id}, _from, names), do: {:reply, Map.get(names, id), names}

  @impl true
  def handle_cast({:rename, id, name}, names), do: {:noreply, Map.put(names, id, name)}
end
