"""What the sandbox's "speech recognition" hears: one canned transcript per caption language.

The sample media speaks the English text; an order declaring another `inputs_language` gets the same
three sentences in that language, so every caption format can be exercised in every script Rev takes.
"""

# ruff: noqa: RUF001 - character tables and transcripts hold look-alike letters on purpose

from __future__ import annotations

TRANSCRIPTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Hello and welcome.",
        "This short clip is the sample video of the video localization project.",
        "Every vendor dubs it into another language.",
    ),
    "ar": (
        "مرحبًا وأهلًا بكم.",
        "هذا المقطع القصير هو الفيديو التجريبي لمشروع توطين الفيديو.",
        "كل مزوّد يدبلجه إلى لغة أخرى.",
    ),
    "bg": (
        "Здравейте и добре дошли.",
        "Този кратък клип е примерното видео на проекта за локализация на видео.",
        "Всеки доставчик го дублира на друг език.",
    ),
    "ca": (
        "Hola i benvinguts.",
        "Aquest clip curt és el vídeo de mostra del projecte de localització de vídeo.",
        "Cada proveïdor el dobla a una altra llengua.",
    ),
    "hr": (
        "Pozdrav i dobro došli.",
        "Ovaj kratki isječak je ogledni video projekta lokalizacije videa.",
        "Svaki ga dobavljač sinkronizira na drugi jezik.",
    ),
    "cs": (
        "Dobrý den a vítejte.",
        "Tento krátký klip je ukázkové video projektu lokalizace videa.",
        "Každý dodavatel ho dabuje do jiného jazyka.",
    ),
    "da": (
        "Hej og velkommen.",
        "Dette korte klip er eksempelvideoen fra projektet om videolokalisering.",
        "Hver leverandør eftersynkroniserer den til et andet sprog.",
    ),
    "nl": (
        "Hallo en welkom.",
        "Deze korte clip is de voorbeeldvideo van het videolokalisatieproject.",
        "Elke leverancier synchroniseert hem in een andere taal.",
    ),
    "fa": (
        "سلام و خوش آمدید.",
        "این کلیپ کوتاه ویدیوی نمونه پروژه بومی سازی ویدیو است.",
        "هر فروشنده آن را به زبان دیگری دوبله می کند.",
    ),
    "fi": (
        "Hei ja tervetuloa.",
        "Tämä lyhyt leike on videolokalisointiprojektin esimerkkivideo.",
        "Jokainen toimittaja dubbaa sen toiselle kielelle.",
    ),
    "fr": (
        "Bonjour et bienvenue.",
        "Ce court extrait est la vidéo d'exemple du projet de localisation vidéo.",
        "Chaque fournisseur la double dans une autre langue.",
    ),
    "de": (
        "Hallo und willkommen.",
        "Dieser kurze Clip ist das Beispielvideo des Videolokalisierungsprojekts.",
        "Jeder Anbieter synchronisiert ihn in eine andere Sprache.",
    ),
    "el": (
        "Γεια σας και καλώς ήρθατε.",
        "Αυτό το σύντομο απόσπασμα είναι το δείγμα βίντεο του έργου τοπικοποίησης βίντεο.",
        "Κάθε πάροχος το μεταγλωττίζει σε άλλη γλώσσα.",
    ),
    "he": (
        "שלום וברוכים הבאים.",
        "הקליפ הקצר הזה הוא סרטון הדוגמה של פרויקט לוקליזציית הווידאו.",
        "כל ספק מדבב אותו לשפה אחרת.",
    ),
    "hi": (
        "नमस्ते और स्वागत है।",
        "यह छोटी क्लिप वीडियो स्थानीयकरण परियोजना का नमूना वीडियो है।",
        "हर विक्रेता इसे दूसरी भाषा में डब करता है।",
    ),
    "hu": (
        "Helló, és üdvözöljük!",
        "Ez a rövid klip a videólokalizációs projekt mintavideója.",
        "Minden szolgáltató egy másik nyelvre szinkronizálja.",
    ),
    "id": (
        "Halo dan selamat datang.",
        "Klip pendek ini adalah video contoh dari proyek lokalisasi video.",
        "Setiap vendor menyulih suaranya ke bahasa lain.",
    ),
    "it": (
        "Ciao e benvenuti.",
        "Questa breve clip è il video di esempio del progetto di localizzazione video.",
        "Ogni fornitore lo doppia in un'altra lingua.",
    ),
    "ja": (
        "こんにちは、ようこそ。",
        "この短いクリップは、動画ローカライズプロジェクトのサンプル動画です。",
        "各ベンダーが別の言語に吹き替えます。",
    ),
    "ko": (
        "안녕하세요, 환영합니다.",
        "이 짧은 클립은 동영상 현지화 프로젝트의 샘플 동영상입니다.",
        "각 공급업체가 이를 다른 언어로 더빙합니다.",
    ),
    "lt": (
        "Sveiki atvykę.",
        "Šis trumpas klipas yra vaizdo įrašų lokalizavimo projekto pavyzdinis vaizdo įrašas.",
        "Kiekvienas tiekėjas jį įgarsina kita kalba.",
    ),
    "lv": (
        "Sveiki un laipni lūdzam.",
        "Šis īsais klips ir video lokalizācijas projekta parauga video.",
        "Katrs piegādātājs to dublē citā valodā.",
    ),
    "ms": (
        "Helo dan selamat datang.",
        "Klip pendek ini ialah video sampel projek penyetempatan video.",
        "Setiap vendor mengalih suaranya ke bahasa lain.",
    ),
    "cmn": (
        "你好，欢迎。",
        "这个短片是视频本地化项目的示例视频。",
        "每个供应商都会把它配音成另一种语言。",
    ),
    "no": (
        "Hei og velkommen.",
        "Dette korte klippet er eksempelvideoen til videolokaliseringsprosjektet.",
        "Hver leverandør dubber den til et annet språk.",
    ),
    "pl": (
        "Cześć i witajcie.",
        "Ten krótki klip jest przykładowym filmem projektu lokalizacji wideo.",
        "Każdy dostawca dubbinguje go na inny język.",
    ),
    "pt": (
        "Olá e bem-vindos.",
        "Este clipe curto é o vídeo de exemplo do projeto de localização de vídeo.",
        "Cada fornecedor o dubla para outro idioma.",
    ),
    "ro": (
        "Bună și bine ați venit.",
        "Acest clip scurt este videoclipul de exemplu al proiectului de localizare video.",
        "Fiecare furnizor îl dublează într-o altă limbă.",
    ),
    "ru": (
        "Здравствуйте и добро пожаловать.",
        "Этот короткий ролик является образцом видео проекта по локализации видео.",
        "Каждый поставщик дублирует его на другой язык.",
    ),
    "sk": (
        "Dobrý deň a vitajte.",
        "Tento krátky klip je ukážkové video projektu lokalizácie videa.",
        "Každý dodávateľ ho dabuje do iného jazyka.",
    ),
    "sl": (
        "Pozdravljeni in dobrodošli.",
        "Ta kratki posnetek je vzorčni video projekta lokalizacije videa.",
        "Vsak ponudnik ga sinhronizira v drug jezik.",
    ),
    "es": (
        "Hola y bienvenidos.",
        "Este breve clip es el vídeo de muestra del proyecto de localización de vídeo.",
        "Cada proveedor lo dobla a otro idioma.",
    ),
    "sv": (
        "Hej och välkommen.",
        "Det här korta klippet är exempelvideon för videolokaliseringsprojektet.",
        "Varje leverantör dubbar den till ett annat språk.",
    ),
    "ta": (
        "வணக்கம், வருக.",
        "இந்தச் சிறிய கிளிப் வீடியோ உள்ளூர்மயமாக்கல் திட்டத்தின் மாதிரி வீடியோ ஆகும்.",
        "ஒவ்வொரு விற்பனையாளரும் இதை வேறு மொழியில் டப் செய்கிறார்கள்.",
    ),
    "te": (
        "నమస్కారం, స్వాగతం.",
        "ఈ చిన్న క్లిప్ వీడియో స్థానికీకరణ ప్రాజెక్ట్ యొక్క నమూనా వీడియో.",
        "ప్రతి విక్రేత దీన్ని మరో భాషలోకి డబ్ చేస్తారు.",
    ),
    "tr": (
        "Merhaba ve hoş geldiniz.",
        "Bu kısa klip, video yerelleştirme projesinin örnek videosudur.",
        "Her sağlayıcı onu başka bir dile dublajlıyor.",
    ),
}

# Languages written without spaces between words: their lines are wrapped by characters.
UNSPACED_LANGUAGES = frozenset({"ja", "cmn"})

# Facebook's caption file naming convention (`name.<locale>.srt`), per caption language.
FACEBOOK_LOCALES: dict[str, str] = {
    "ar": "ar_AR", "bg": "bg_BG", "ca": "ca_ES", "hr": "hr_HR", "cs": "cs_CZ", "da": "da_DK",
    "nl": "nl_NL", "en": "en_US", "fa": "fa_IR", "fi": "fi_FI", "fr": "fr_FR", "de": "de_DE",
    "el": "el_GR", "he": "he_IL", "hi": "hi_IN", "hu": "hu_HU", "id": "id_ID", "it": "it_IT",
    "ja": "ja_JP", "ko": "ko_KR", "lt": "lt_LT", "lv": "lv_LV", "ms": "ms_MY", "cmn": "zh_CN",
    "no": "nb_NO", "pl": "pl_PL", "pt": "pt_BR", "ro": "ro_RO", "ru": "ru_RU", "sk": "sk_SK",
    "sl": "sl_SI", "es": "es_ES", "sv": "sv_SE", "ta": "ta_IN", "te": "te_IN", "tr": "tr_TR",
}  # fmt: skip
