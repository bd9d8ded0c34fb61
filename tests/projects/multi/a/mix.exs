defmodule A.MixProject do
  use Mix.Project

  def project, do: [app: :a, version: "0.1.0", deps: deps()]

  defp deps, do: [{:libcluster, "~> 3.3"}, {:quantum, "~> 3.5"}]
end
