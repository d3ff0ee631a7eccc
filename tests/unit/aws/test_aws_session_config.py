from __future__ import annotations

import slipway
from slipway.aws import client_config
from slipway.aws.session import refresh_windows


def test_client_config_uses_adaptive_retries_and_user_agent() -> None:
    config = client_config(7)
    assert config.retries == {"mode": "adaptive", "max_attempts": 7}
    assert config.user_agent_extra == f"slipway/{slipway.__version__}"


def test_refresh_windows_scale_with_short_sessions() -> None:
    assert refresh_windows(3600) == (900, 600)
    assert refresh_windows(43200) == (900, 600)
    assert refresh_windows(900) == (300, 150)
