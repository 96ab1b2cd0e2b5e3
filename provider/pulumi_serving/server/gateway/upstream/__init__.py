"""Everything about reaching upstream providers: base URLs (``bases``), the one client (``client``) over the
keep-alive transport (``lean_transport``), stream decoding (``stream_decoders``), the one failure mapper
(``errors``) and an entity's target with its credential or token (``targets``, ``tokens``)."""
