"""The words and phrases every notification uses: greetings, links, and the names of types, statuses and colours."""

from __future__ import annotations

from services.notifications.domain.messages.text import Text

WORDS: dict[str, Text] = {
    "hello": Text(en="Hello {name},", de="Hallo {name},", fr="Bonjour {name},", nl="Hallo {name},", es="Hola, {name}:",
                  pl="Dzień dobry, {name},"),
    "someone": Text(en="someone", de="jemand", fr="quelqu'un", nl="iemand", es="alguien", pl="ktoś"),
    "stop": Text(
        en="Stop e-mails like this one",
        de="Keine E-Mails dieser Art mehr",
        fr="Ne plus recevoir ce type d'e-mail",
        nl="Geen e-mails meer van dit soort",
        es="No recibir más correos como este",
        pl="Nie wysyłaj mi więcej takich wiadomości"),
    "stop_all": Text(
        en="Unsubscribe from all refnet e-mails",
        de="Alle refnet-E-Mails abbestellen",
        fr="Se désabonner de tous les e-mails refnet",
        nl="Afmelden voor alle e-mails van refnet",
        es="Darse de baja de todos los correos de refnet",
        pl="Wypisz mnie ze wszystkich wiadomości refnet"),
    "referral": Text(
        en="Referral: {ref}",
        de="Empfehlung: {ref}",
        fr="Recommandation : {ref}",
        nl="Referral: {ref}",
        es="Referencia: {ref}",
        pl="Rekomendacja: {ref}"),
    "reason": Text(
        en="Reason: {reason}",
        de="Grund: {reason}",
        fr="Motif : {reason}",
        nl="Reden: {reason}",
        es="Motivo: {reason}",
        pl="Powód: {reason}"),
    "type.inside": Text(en="inside", de="interne", fr="interne", nl="interne", es="interna", pl="wewnętrzną"),
    "type.outside": Text(en="outside", de="externe", fr="externe", nl="externe", es="externa", pl="zewnętrzną"),
    "type.tier-3": Text(en="tier-3", de="Folge-", fr="de niveau 3", nl="vervolg-", es="de tercer nivel",
                        pl="trzeciego stopnia"),
    "status.given": Text(en="given", de="gegeben", fr="donnée", nl="gegeven", es="dada", pl="przekazana"),
    "status.accepted": Text(en="accepted", de="angenommen", fr="acceptée", nl="geaccepteerd", es="aceptada",
                            pl="przyjęta"),
    "status.contacted": Text(en="contacted", de="kontaktiert", fr="contacté", nl="gecontacteerd", es="contactado",
                             pl="po kontakcie"),
    "status.won": Text(en="won", de="gewonnen", fr="gagnée", nl="gewonnen", es="ganada", pl="wygrana"),
    "status.lost": Text(en="lost", de="verloren", fr="perdue", nl="verloren", es="perdida", pl="przegrana"),
    "status.declined": Text(en="declined", de="abgelehnt", fr="refusée", nl="afgewezen", es="rechazada",
                            pl="odrzucona"),
    "kind.new": Text(en="new", de="neues", fr="une nouvelle", nl="nieuwe", es="un negocio nuevo", pl="nowe"),
    "kind.repeat": Text(
        en="repeat",
        de="wiederholtes",
        fr="une nouvelle commande d'une",
        nl="herhaalde",
        es="un negocio repetido",
        pl="powtórne"),
    "colour.green": Text(en="green", de="grün", fr="vert", nl="groen", es="verde", pl="zielony"),
    "colour.yellow": Text(en="yellow", de="gelb", fr="jaune", nl="geel", es="amarillo", pl="żółty"),
    "colour.red": Text(en="red", de="rot", fr="rouge", nl="rood", es="rojo", pl="czerwony"),
    "colour.grey": Text(en="grey", de="grau", fr="gris", nl="grijs", es="gris", pl="szary"),
}
