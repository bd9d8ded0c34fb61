defmodule Web.MixProject do
  use Mix.Project

  def project do
    [app: :web, version: "0.1.0", build_path: "../../_build", deps: deps()]
  end

  defp deps do
    [{:phoenix_pubsub, "~> 2.1"}, {:libcluster, "~> 3.4"}, {:ledger, in_umbrella: true}]
  end
end
