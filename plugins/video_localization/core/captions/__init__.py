"""Caption files in every format the project delivers, converted locally from one SRT.

One module per concern:

- `cues`: the canonical cue list, read from an SRT with ttconv's SRT reader.
- `formats`: the format names (Rev's constants), file names and media types.
- `languages`: the script and everyday letters of each language, for the plan-time format limits.
- `charsets`: what CEA-608 (SCC) and the EBU STL code tables can carry.
- `wrapping`, `timecode`: line breaking on word boundaries, time codes.
- `library_writers`: SubRip, WebVTT, DFXP (pycaption) and TTML (ttconv IMSC).
- `scc`: Scenarist SCC through pycaption's writer, made safe (see the module), checked by ttconv's reader.
- `ebu_stl`, `text_writers`: the formats no maintained library writes (EBU STL, Spruce STL, Avid DS,
  QuickTime text, transcript), written by hand and tested against a second reader where one exists.
- `validation`: `validate_caption_request(formats, locales, source)`, the plan-time refusals.
- `convert`, `operators`: one SRT in storage -> every requested format in `<output_dir>/captions/`.
"""
