import Config

config :libcluster,
  topologies: [
    gossip: [
      strategy: Cluster.Strategy.Gossip,
      config: [secret: System.fetch_env!("CLUSTER_SECRET")]
    ]
  ]
