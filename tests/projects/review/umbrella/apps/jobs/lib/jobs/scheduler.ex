defmodule Jobs.Scheduler do
  use Quantum, otp_app: :jobs
end
