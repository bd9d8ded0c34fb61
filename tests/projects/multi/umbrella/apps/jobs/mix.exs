defmodule Jobs.MixProject do
  use Mix.Project

  def project, do: [app: :jobs, version: "0.1.0", deps: [{:libcluster, "~> 3.3"}]]
end
