defmodule Ledger.MixProject do
  use Mix.Project

  def project do
    [app: :ledger, version: "0.1.0", build_path: "../../_build", deps: [{:ra, "~> 2.14"}]]
  end
end
