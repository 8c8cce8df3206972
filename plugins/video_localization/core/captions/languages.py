"""Which script each language is written in, and the letters its everyday spelling needs.

Caption formats with a narrow character set (SCC's CEA-608, EBU STL's code tables) are refused at plan
time for a language whose letters they cannot hold, before any file exists. The letters listed are those
of the language's everyday alphabet beyond ASCII a-z (lower case; upper case is derived). Rare letters are
left out on purpose (French œ, æ and ÿ): text that uses one is still refused, per file, at conversion
time, with the character named (see `charsets`). A language missing here is refused for those formats,
since nothing can be promised about its letters.
"""

from __future__ import annotations

from dataclasses import dataclass

from video_localization.core.languages import normalize_tag

LATIN, CYRILLIC, GREEK, ARABIC, HEBREW = "Latn", "Cyrl", "Grek", "Arab", "Hebr"

# fmt: off
# base language -> (script, letters beyond a-z in everyday use; for cased non-Latin scripts, the alphabet)
_LANGUAGES: dict[str, tuple[str, str]] = {
    "en": (LATIN, ""), "id": (LATIN, ""), "ms": (LATIN, ""), "sw": (LATIN, ""),
    "es": (LATIN, "áéíóúüñ¿¡"), "fr": (LATIN, "àâçéèêëîïôùûü"), "de": (LATIN, "äöüß"),
    "it": (LATIN, "àèéìíòóù"), "pt": (LATIN, "áâãàçéêíóôõú"), "nl": (LATIN, "éëï"),
    "sv": (LATIN, "åäö"), "fi": (LATIN, "äöå"), "fil": (LATIN, "ñ"), "gl": (LATIN, "áéíóúñü"),
    "eu": (LATIN, "ñ"), "ca": (LATIN, "àçéèíïòóúü·"), "da": (LATIN, "æøå"), "no": (LATIN, "æøå"),
    "is": (LATIN, "áðéíóúýþæö"), "pl": (LATIN, "ąćęłńóśźż"), "cs": (LATIN, "áčďéěíňóřšťúůýž"),
    "sk": (LATIN, "áäčďéíĺľňóôŕšťúýž"), "sl": (LATIN, "čšž"), "hr": (LATIN, "čćđšž"),
    "bs": (LATIN, "čćđšž"), "hu": (LATIN, "áéíóöőúüű"), "ro": (LATIN, "ăâîșț"),
    "tr": (LATIN, "çğıİöşü"), "az": (LATIN, "çəğıİöşü"), "lt": (LATIN, "ąčęėįšųūž"),
    "lv": (LATIN, "āčēģīķļņšūž"), "et": (LATIN, "äõöüšž"), "sq": (LATIN, "çë"),
    "vi": (LATIN, "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"),
    "ru": (CYRILLIC, "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"),
    "bg": (CYRILLIC, "абвгдежзийклмнопрстуфхцчшщъьюя"),
    "uk": (CYRILLIC, "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"),
    "sr": (CYRILLIC, "абвгдђежзијклљмнњопрстћуфхцчџш"),
    "mk": (CYRILLIC, "абвгдѓежзѕијклљмнњопрстќуфхцчџш"),
    "be": (CYRILLIC, "абвгдеёжзійклмнопрстуўфхцчшыьэюя"),
    "kk": (CYRILLIC, "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"),
    "el": (GREEK, "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊϋΐΰ"),
    "ar": (ARABIC, "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي،؛؟"),
    "fa": (ARABIC, "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی،؛؟"),
    "ur": (ARABIC, "آابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھیے،؛؟"),
    "he": (HEBREW, "אבגדהוזחטיכךלמםנןסעפףצץקרשת"),
    "hi": ("Deva", ""), "mr": ("Deva", ""), "ne": ("Deva", ""), "bn": ("Beng", ""),
    "ta": ("Taml", ""), "te": ("Telu", ""), "kn": ("Knda", ""), "ml": ("Mlym", ""), "gu": ("Gujr", ""),
    "pa": ("Guru", ""), "th": ("Thai", ""), "ja": ("Jpan", ""), "zh": ("Hans", ""), "ko": ("Kore", ""),
    "ka": ("Geor", ""), "hy": ("Armn", ""), "am": ("Ethi", ""), "km": ("Khmr", ""), "my": ("Mymr", ""),
}
# fmt: on
SCRIPT_NAMES = {
    LATIN: "Latin",
    CYRILLIC: "Cyrillic",
    GREEK: "Greek",
    ARABIC: "Arabic",
    HEBREW: "Hebrew",
    "Deva": "Devanagari",
    "Beng": "Bengali",
    "Taml": "Tamil",
    "Telu": "Telugu",
    "Knda": "Kannada",
    "Mlym": "Malayalam",
    "Gujr": "Gujarati",
    "Guru": "Gurmukhi",
    "Thai": "Thai",
    "Jpan": "Japanese",
    "Hans": "Simplified Chinese",
    "Hant": "Traditional Chinese",
    "Kore": "Korean",
    "Geor": "Georgian",
    "Armn": "Armenian",
    "Ethi": "Ethiopic",
    "Khmr": "Khmer",
    "Mymr": "Myanmar",
}  # fmt: skip
#: Language codes that name one of the languages above (ISO 639-3 and legacy codes, as vendors use them).
_ALIASES = {"cmn": "zh", "nb": "no", "nn": "no", "tl": "fil", "iw": "he", "in": "id", "zsm": "ms"}
#: Script subtags that change a language's script (Serbian in Latin letters, Chinese in either script).
_SCRIPT_OVERRIDES = {("sr", LATIN): "čćđšž", ("zh", "Hant"): "", ("zh", "Hans"): ""}

NAMES = {
    "en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "sv": "Swedish", "fi": "Finnish", "da": "Danish", "no": "Norwegian", "pl": "Polish",
    "cs": "Czech", "sk": "Slovak", "hu": "Hungarian", "ro": "Romanian", "tr": "Turkish", "vi": "Vietnamese",
    "ru": "Russian", "bg": "Bulgarian", "uk": "Ukrainian", "el": "Greek", "ar": "Arabic", "fa": "Persian",
    "ur": "Urdu", "he": "Hebrew", "hi": "Hindi", "ta": "Tamil", "te": "Telugu", "th": "Thai",
    "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ca": "Catalan", "hr": "Croatian", "sl": "Slovenian",
    "lt": "Lithuanian", "lv": "Latvian", "id": "Indonesian", "ms": "Malay", "fil": "Filipino",
}  # fmt: skip


@dataclass(frozen=True)
class LanguageLetters:
    """A language as far as caption character sets care: its script and the letters it needs."""

    tag: str
    base: str
    script: str | None  # None: the project knows nothing about this language
    letters: str  # lower and upper case, beyond ASCII letters

    @property
    def name(self) -> str:
        return NAMES.get(self.base, self.base)

    @property
    def script_name(self) -> str:
        return SCRIPT_NAMES.get(self.script or "", self.script or "an unknown")

    @property
    def known(self) -> bool:
        return self.script is not None


def base_language(tag: str) -> str:
    """`fr-FR` -> `fr`, `cmn-Hans-CN` -> `zh`, `nb-NO` -> `no`."""
    base = normalize_tag(tag).split("-", 1)[0]
    return _ALIASES.get(base, base)


def _with_upper(letters: str) -> str:
    upper = "".join(letter.upper() for letter in letters if len(letter.upper()) == 1)
    return "".join(dict.fromkeys(letters + upper))


def language_letters(tag: str) -> LanguageLetters:
    """The script and letters of a BCP-47 tag (a script subtag, as in `sr-Latn-RS`, wins)."""
    canonical = normalize_tag(tag)
    base = base_language(canonical)
    subtags = canonical.split("-")[1:]
    script_subtag = next((part for part in subtags if len(part) == 4 and part.isalpha()), None)
    if script_subtag is not None and (base, script_subtag) in _SCRIPT_OVERRIDES:
        return LanguageLetters(
            canonical, base, script_subtag, _with_upper(_SCRIPT_OVERRIDES[(base, script_subtag)])
        )
    known = _LANGUAGES.get(base)
    if known is None:
        return LanguageLetters(canonical, base, None, "")
    script, letters = known
    return LanguageLetters(canonical, base, script, _with_upper(letters))
