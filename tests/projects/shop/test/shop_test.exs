defmodule ShopTest do
  use ExUnit.Case

  setup do
    Node.set_cookie(:test_cookie)
    :ok
  end
end
