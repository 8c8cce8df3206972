"""CDNvideo tests: `cdnvideo_conn`, `cdnvideo_hook` and `cdnvideo` (hook + object helpers) on the sandbox."""

from cdnvideo_support import cdnvideo, cdnvideo_conn, cdnvideo_hook

__all__ = ["cdnvideo", "cdnvideo_conn", "cdnvideo_hook"]
