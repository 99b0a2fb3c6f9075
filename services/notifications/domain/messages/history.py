"""The one message an imported history sends every member, instead of one per historical slip."""

from __future__ import annotations

from services.notifications.domain.messages.text import Text

HISTORY: dict[str, Text] = {
    "history.subject": Text(
        en="{chapter}: your chapter's history is in refnet",
        de="{chapter}: die Geschichte Ihres Chapters ist in refnet",
        fr="{chapter} : l'historique de votre chapitre est dans refnet",
        nl="{chapter}: de geschiedenis van uw chapter staat in refnet",
        es="{chapter}: el historial de su capítulo está en refnet",
        pl="{chapter}: historia Państwa chapteru jest już w refnet"),
    "history.body": Text(
        en="The slips your chapter recorded from {first} to {last} were imported: {counts}.",
        de="Die Slips Ihres Chapters vom {first} bis {last} wurden importiert: {counts}.",
        fr="Les fiches de votre chapitre du {first} au {last} ont été importées : {counts}.",
        nl="De slips van uw chapter van {first} tot {last} zijn geïmporteerd: {counts}.",
        es="Se importaron las fichas de su capítulo del {first} al {last}: {counts}.",
        pl="Zaimportowano karty Państwa chapteru z okresu od {first} do {last}: {counts}."),
    "history.note": Text(
        en="They count in the reports and traffic lights. Nobody was sent a message about each of them.",
        de="Sie zählen in den Berichten und Ampeln. Niemand hat zu jedem einzelnen eine Nachricht bekommen.",
        fr="Elles comptent dans les rapports et les feux. Personne n'a reçu de message pour chacune d'elles.",
        nl="Ze tellen mee in de rapporten en stoplichten. Niemand kreeg er per stuk een bericht over.",
        es="Cuentan en los informes y semáforos. Nadie recibió un mensaje por cada una de ellas.",
        pl="Liczą się w raportach i światłach. Nikt nie dostał wiadomości o każdej z nich osobno."),
}
