# The web app does not depend on libcluster itself, but the umbrella's jobs app does:
# both run in the same clustered release.
defmodule Web.Scheduler do
  use Quantum, otp_app: :web
end
