defmodule Sessions.Cluster do
  @moduledoc "Connects to the peers listed in the configuration at start."

  def connect do
    for peer <- Application.get_env(:sessions, :peers, []) do
      Node.connect(peer)
    end
  end
end
