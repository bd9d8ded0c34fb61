defmodule Web.Presence do
  use Phoenix.Presence, otp_app: :web, pubsub_server: Web.PubSub
end
