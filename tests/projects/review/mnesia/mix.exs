defmodule Sessions.MixProject do
  use Mix.Project

  def project do
    [app: :sessions, version: "0.1.0", elixir: "~> 1.17", deps: []]
  end

  def application do
    [mod: {Sessions.Application, []}, extra_applications: [:mnesia]]
  end
end
