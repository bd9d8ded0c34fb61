defmodule Web.ClusterTest do
  use ExUnit.Case

  test "the scheduler's peer" do
    assert :erpc.call(:"peer@127.0.0.1", Web.Scheduler, :jobs, []) == []
  end
end
