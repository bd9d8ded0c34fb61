defmodule Web.Application do
  use Application

  @impl true
  def start(_type, _args) do
    topologies = Application.get_env(:libcluster, :topologies, [])

    children = [
      {Cluster.Supervisor, [topologies, [name: Web.ClusterSupervisor]]},
      {Phoenix.PubSub, name: Web.PubSub},
      Web.Presence
    ]

    Supervisor.start_link(children, strategy: :one_for_one)
  end
end
