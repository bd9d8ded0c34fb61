defmodule Fleet.MixProject do
  use Mix.Project

  def project do
    [app: :fleet, version: "0.1.0", elixir: "~> 1.17", deps: deps()]
  end

  def application do
    [mod: {Fleet.Application, []}]
  end

  defp deps do
    [
      {:libcluster, "~> 3.4"},
      {:horde, "~> 0.9"}
    ]
  end
end
