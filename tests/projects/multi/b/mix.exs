defmodule B.MixProject do
  use Mix.Project

  def project, do: [app: :b, version: "0.1.0", deps: [{:quantum, "~> 3.5"}]]
end
