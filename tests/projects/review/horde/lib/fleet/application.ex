defmodule Fleet.Application do
  use Application

  @impl true
  def start(_type, _args) do
    topologies = Application.get_env(:libcluster, :topologies, [])

    children = [
      {Cluster.Supervisor, [topologies, [name: Fleet.ClusterSupervisor]]},
      {Horde.Registry, name: Fleet.Registry, keys: :unique, members: :auto},
      {Horde.DynamicSupervisor, name: Fleet.Supervisor, strategy: :one_for_one, members: :auto},
      Fleet.Dispatcher
    ]

    Supervisor.start_link(children, strategy: :one_for_one)
  end
end
