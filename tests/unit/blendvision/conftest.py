"""BlendVision tests: `bv_conn` (the sandbox's token and org), `bv_hook` and `bv` (hook + object helpers)."""

from blendvision_support import fixture_bv, fixture_bv_conn, fixture_bv_hook

__all__ = ["fixture_bv", "fixture_bv_conn", "fixture_bv_hook"]
