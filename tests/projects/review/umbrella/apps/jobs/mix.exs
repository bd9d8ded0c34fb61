defmodule Jobs.MixProject do
  use Mix.Project

  def project do
    [app: :jobs, version: "0.1.0", build_path: "../../_build", deps: [{:quantum, "~> 3.5"}]]
  end
end
