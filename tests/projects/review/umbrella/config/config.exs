import Config

config :libcluster,
  topologies: [
    dns: [
      strategy: Cluster.Strategy.DNSPoll,
      config: [polling_interval: 5_000, query: "market.internal", node_basename: "market"]
    ]
  ]
