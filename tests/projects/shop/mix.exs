defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [
      app: :shop,
      version: "0.1.0",
      releases: [shop: [cookie: "shop-cookie-in-git"]],
      deps: deps()
    ]
  end

  defp deps do
    [{:libcluster, "~> 3.3"}]
  end
end
