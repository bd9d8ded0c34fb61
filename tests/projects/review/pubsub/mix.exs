defmodule Chat.MixProject do
  use Mix.Project

  def project do
    [app: :chat, version: "0.1.0", elixir: "~> 1.17", deps: deps()]
  end

  def application do
    [mod: {Chat.Application, []}, extra_applications: [:logger]]
  end

  defp deps do
    [
      {:libcluster, "~> 3.4"},
      {:phoenix_pubsub, "~> 2.1"}
    ]
  end
end
