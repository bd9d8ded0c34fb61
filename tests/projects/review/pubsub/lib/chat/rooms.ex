defmodule Chat.Rooms do
  @moduledoc "Rooms live in the database; messages fan out over PubSub."

  def join(room), do: Phoenix.PubSub.subscribe(Chat.PubSub, "room:" <> room)

  def say(room, message) do
    Phoenix.PubSub.broadcast(Chat.PubSub, "room:" <> room, {:message, room, message})
  end

  def history_from(node, room) do
    :erpc.call(node, Chat.History, :recent, [room], 5_000)
  end

  def nodes, do: [node() | Node.list()]
end
