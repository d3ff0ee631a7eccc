"""Running slipway's real workflows on this machine: a scratch copy of the repository to
commit into, act with the emulator's endpoints, and the report the demo prints."""
