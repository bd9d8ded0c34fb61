defmodule A.PeerTest do
  use ExUnit.Case

  test "peer answers" do
    assert :erpc.call(:"peer@127.0.0.1", A, :ping, []) == :pong
  end
end
