"""Rev AI captions: upload media, order captions in any of Rev's 14 formats, wait, download them."""
