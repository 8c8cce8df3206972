"""The sandbox account's configurations (voices, models, backgrounds) and how a request is matched to them.

The catalogue is shaped exactly like the document's `/configurations` answer: voices by display name,
models by actor name then version (each version one style, its voices and its shots with one size each),
backgrounds with the sizes they exist in. A request's actor/voice/background must fit one version; when
they do not, the answer names the first parameter that does not fit, like "bad style for Natalia-latest".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from video_localization_dev.sandbox.cdnvideo import constants as c

_HD = {"width": 512, "height": 720}


def _ms(short: str, language: str, gender: str) -> dict[str, Any]:
    return {"language": language, "gender": gender, "name": short, "provider": "Microsoft"}


VOICES: dict[str, dict[str, Any]] = {
    "Alena": {
        "language": "ru-RU",
        "gender": "female",
        "name": "alena",
        "provider": "Yandex",
        "emotions": ["neutral", "good"],
    },
    "Jane": {
        "language": "ru-RU",
        "gender": "female",
        "name": "jane",
        "provider": "Yandex",
        "emotions": ["neutral", "good", "evil"],
    },
    "Filipp": {"language": "ru-RU", "gender": "male", "name": "filipp", "provider": "Yandex"},
    "Ermil": {
        "language": "ru-RU",
        "gender": "male",
        "name": "ermil",
        "provider": "Yandex",
        "emotions": ["neutral", "good"],
    },
    # The document writes English voices as "en-EN".
    "Sara": _ms("en-US-SaraNeural", "en-EN", "female"),
    "Mia": _ms("en-GB-MiaNeural", "en-EN", "female"),
    "Guy": _ms("en-US-GuyNeural", "en-EN", "male"),
    "Katja": _ms("de-DE-KatjaNeural", "de-DE", "female"),
    "Conrad": _ms("de-DE-ConradNeural", "de-DE", "male"),
    "Denise": _ms("fr-FR-DeniseNeural", "fr-FR", "female"),
    "Henri": _ms("fr-FR-HenriNeural", "fr-FR", "male"),
    "Elvira": _ms("es-ES-ElviraNeural", "es-ES", "female"),
    "Alvaro": _ms("es-ES-AlvaroNeural", "es-ES", "male"),
    "Elsa": _ms("it-IT-ElsaNeural", "it-IT", "female"),
    "Diego": _ms("it-IT-DiegoNeural", "it-IT", "male"),
    # More Microsoft voices, so a fan-out over ten or more languages has a voice for each.
    "Francisca": _ms("pt-BR-FranciscaNeural", "pt-BR", "female"),
    "Antonio": _ms("pt-BR-AntonioNeural", "pt-BR", "male"),
    "Nanami": _ms("ja-JP-NanamiNeural", "ja-JP", "female"),
    "Keita": _ms("ja-JP-KeitaNeural", "ja-JP", "male"),
    "Zofia": _ms("pl-PL-ZofiaNeural", "pl-PL", "female"),
    "Marek": _ms("pl-PL-MarekNeural", "pl-PL", "male"),
    "Colette": _ms("nl-NL-ColetteNeural", "nl-NL", "female"),
    "Maarten": _ms("nl-NL-MaartenNeural", "nl-NL", "male"),
    "Emel": _ms("tr-TR-EmelNeural", "tr-TR", "female"),
    "Ahmet": _ms("tr-TR-AhmetNeural", "tr-TR", "male"),
}


def _shot(size: str, width: int, height: int) -> dict[str, Any]:
    return {"size": size, "out_size": {"width": width, "height": height}}


MODELS: dict[str, dict[str, dict[str, Any]]] = {
    "Natalia": {
        "1.0.0": {
            "style": "suitjacket",
            "gender": "female",
            "voices": ["Alena"],
            "shots": {"waist": _shot("HD", **_HD)},
        },
        "4.0.0": {
            "style": "dressshirt",
            "gender": "female",
            "voices": ["Alena", "Mia", "Sara"],
            "shots": {"waist": _shot("HD", **_HD)},
        },
        "4.1.0": {
            "style": "dressshirt",
            "gender": "female",
            "voices": [
                *("Alena", "Jane", "Mia", "Sara", "Katja", "Denise", "Elvira", "Elsa"),
                *("Francisca", "Nanami", "Zofia", "Colette", "Emel"),
            ],
            "shots": {"waist": _shot("HD", **_HD), "full": _shot("FullHD", 1080, 1920)},
        },
    },
    "Mikhail": {
        "1.0.0": {
            "style": "suit",
            "gender": "male",
            "voices": ["Filipp", "Ermil", "Guy"],
            "shots": {"waist": _shot("HD", **_HD)},
        },
        "2.0.0": {
            "style": "casual",
            "gender": "male",
            "voices": [
                *("Filipp", "Ermil", "Guy", "Conrad", "Henri", "Alvaro", "Diego"),
                *("Antonio", "Keita", "Marek", "Maarten", "Ahmet"),
            ],
            "shots": {"waist": _shot("HD", **_HD), "closeup": _shot("4K", 2160, 2160)},
        },
    },
    "Anna": {
        "1.0.0": {
            "style": "blouse",
            "gender": "female",
            "voices": ["Alena", "Jane", "Sara", "Mia"],
            "shots": {"waist": _shot("SD", 360, 504)},
        },
    },
}

BACKGROUNDS: dict[str, dict[str, list[str]]] = {
    "background_1": {"sizes": ["HD"]},
    "globe": {"sizes": ["HD"]},
    "office": {"sizes": ["HD", "FullHD"]},
    "studio": {"sizes": ["SD", "HD", "FullHD", "4K"]},
    c.DEFAULT_BACKGROUND: {"sizes": ["SD", "HD", "FullHD", "4K"]},
}

WATERMARK = False


@dataclass(frozen=True)
class Resolved:
    """The one model version, shot and size a request was matched to."""

    actor_name: str
    model_version: str
    style: str
    shot: str
    size: str
    out_size: dict[str, int]
    voice: str
    background: str
    emotion: str


class ConfigError(ValueError):
    """The request's parameters do not fit together; the message is the vendor's words."""


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def resolve(actor: dict[str, Any], voice: str, background: str | None, emotion: str | None) -> Resolved:
    """Match a request to the newest model version that fits every given parameter."""
    name = actor["name"]
    requested = actor.get("version")
    label = requested or "latest"

    def bad(field: str) -> ConfigError:
        return ConfigError(c.MSG_BAD_CONFIG.format(field=field, name=name, version=label))

    versions = MODELS.get(name)
    if versions is None:
        raise bad("name")
    candidates = dict(versions)
    if requested and requested != "latest":
        if requested not in candidates:
            raise bad("version")
        candidates = {requested: candidates[requested]}
    if actor.get("style") is not None:
        candidates = {v: m for v, m in candidates.items() if m["style"] == actor["style"]}
        if not candidates:
            raise bad("style")
    shot = actor["shot"]
    candidates = {v: m for v, m in candidates.items() if shot in m["shots"]}
    if not candidates:
        raise bad("shot")
    if actor.get("size") is not None:
        candidates = {v: m for v, m in candidates.items() if m["shots"][shot]["size"] == actor["size"]}
        if not candidates:
            raise bad("size")
    if voice not in VOICES:
        raise bad("voice")
    candidates = {v: m for v, m in candidates.items() if voice in m["voices"]}
    if not candidates:
        raise bad("voice")
    background = background or c.DEFAULT_BACKGROUND
    if background not in BACKGROUNDS:
        raise bad("background")
    candidates = {
        v: m for v, m in candidates.items() if m["shots"][shot]["size"] in BACKGROUNDS[background]["sizes"]
    }
    if not candidates:
        raise bad("background")
    emotion = emotion or c.DEFAULT_EMOTION
    if emotion not in VOICES[voice].get("emotions", [c.DEFAULT_EMOTION]):
        raise bad("emotion")
    version = max(candidates, key=_version_key)
    model = candidates[version]
    return Resolved(
        actor_name=name,
        model_version=version,
        style=model["style"],
        shot=shot,
        size=model["shots"][shot]["size"],
        out_size=dict(model["shots"][shot]["out_size"]),
        voice=voice,
        background=background,
        emotion=emotion,
    )
