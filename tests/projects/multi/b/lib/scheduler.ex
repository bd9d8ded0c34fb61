# Project b runs on one node: its Quantum scheduler is fine.
defmodule B.Scheduler do
  use Quantum, otp_app: :b

  def status(node), do: :erpc.call(node, B.Jobs, :status, [])
end
