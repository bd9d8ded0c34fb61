defmodule ShopTest do
  use ExUnit.Case

  setup do
    Node.set_cookie(:test_cookie)
    :ok
  end

  # Test code is not linted by default: this call is counted in the summary, not reported.
  test "the peer answers" do
    assert :rpc.call(:"peer@127.0.0.1", Shop, :ping, []) == :pong
  end
end
