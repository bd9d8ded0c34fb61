import Config

config :mnesia, dir: ~c"priv/mnesia"
config :sessions, peers: [:"sessions@10.0.0.2", :"sessions@10.0.0.3"]
