defmodule Sessions.Store do
  @moduledoc "Sessions replicated on every node; a per-node request counter."

  def setup do
    nodes = [node() | Node.list()]
    :mnesia.create_schema(nodes)
    :mnesia.start()
    :mnesia.create_table(Session, attributes: [:id, :user, :expires_at], disc_copies: nodes)
    :mnesia.create_table(Counter, attributes: [:key, :count], ram_copies: [node()])
  end

  def put(id, user, expires_at) do
    :mnesia.transaction(fn -> :mnesia.write({Session, id, user, expires_at}) end)
  end

  def get(id), do: :mnesia.dirty_read(Session, id)
end
