# Project a clusters its nodes: a Quantum scheduler here runs every job once per node.
defmodule A.Scheduler do
  use Quantum, otp_app: :a
end
