import Config

config :libcluster,
  topologies: [
    k8s: [
      strategy: Cluster.Strategy.Kubernetes.DNS,
      config: [service: "chat-headless", application_name: "chat"]
    ]
  ]
