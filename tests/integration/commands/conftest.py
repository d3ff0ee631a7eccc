"""The ECS service in the emulator and the deployment progressor in front of it, as the
act tests use them (moto's ECS never moves a deployment forward; the progressor does)."""

from tests.e2e.conftest import ecs, progressor

__all__ = ["ecs", "progressor"]
