defmodule Web.MixProject do
  use Mix.Project

  def project, do: [app: :web, version: "0.1.0", deps: [{:quantum, "~> 3.5"}]]
end
