"""What members and leaders hear about their chapter: welcome, traffic lights, absences, the weekly digest,
a disabled webhook."""

from __future__ import annotations

from services.notifications.domain.messages.text import Text

CHAPTER: dict[str, Text] = {
    "welcome.subject": Text(
        en="Welcome to {chapter}",
        de="Willkommen bei {chapter}",
        fr="Bienvenue dans {chapter}",
        nl="Welkom bij {chapter}",
        es="Bienvenido a {chapter}",
        pl="Witamy w {chapter}"),
    "welcome.body": Text(
        en="Welcome to {chapter}, {name}!",
        de="Willkommen bei {chapter}, {name}!",
        fr="Bienvenue dans {chapter}, {name} !",
        nl="Welkom bij {chapter}, {name}!",
        es="¡Bienvenido a {chapter}, {name}!",
        pl="Witamy w {chapter}, {name}!"),
    "welcome.more": Text(
        en=("You will hear here when a member gives you a referral, when your referrals move on, and before each "
            "meeting a digest of your week."),
        de=("Hier erfahren Sie, wenn Ihnen jemand eine Empfehlung gibt, wenn sich Ihre Empfehlungen "
            "weiterentwickeln, und vor jedem Treffen erhalten Sie eine Übersicht Ihrer Woche."),
        fr=("Vous serez prévenu ici quand un membre vous donne une recommandation, quand vos recommandations "
            "avancent, et avant chaque réunion vous recevrez le résumé de votre semaine."),
        nl=("Hier hoort u wanneer iemand u een referral geeft, wanneer uw referrals verder komen, en voor elke "
            "bijeenkomst krijgt u een overzicht van uw week."),
        es=("Aquí sabrá cuándo un miembro le da una referencia, cuándo avanzan sus referencias y, antes de cada "
            "reunión, recibirá un resumen de su semana."),
        pl=("Tutaj dowiedzą się Państwo, gdy ktoś przekaże Państwu rekomendację, gdy Państwa rekomendacje pójdą "
            "naprzód, a przed każdym spotkaniem otrzymają Państwo podsumowanie tygodnia.")),
    "light.subject": Text(
        en="{member}'s traffic light is now {to}",
        de="Die Ampel von {member} steht jetzt auf {to}",
        fr="Le voyant de {member} est maintenant {to}",
        nl="Het stoplicht van {member} staat nu op {to}",
        es="El semáforo de {member} está ahora en {to}",
        pl="Światło {member} jest teraz: {to}"),
    "light.body": Text(
        en="{member}'s traffic light changed from {from_} to {to} (score {score}/100, as of {as_of}).",
        de="Die Ampel von {member} wechselte von {from_} auf {to} (Punktzahl {score}/100, Stand {as_of}).",
        fr="Le voyant de {member} est passé de {from_} à {to} (score {score}/100, au {as_of}).",
        nl="Het stoplicht van {member} ging van {from_} naar {to} (score {score}/100, per {as_of}).",
        es="El semáforo de {member} pasó de {from_} a {to} (puntuación {score}/100, a {as_of}).",
        pl="Światło {member} zmieniło się z: {from_} na: {to} (wynik {score}/100, stan na {as_of})."),
    "absences.subject": Text(
        en="{member} is over the absence limit",
        de="{member} hat das Abwesenheitslimit überschritten",
        fr="{member} a dépassé la limite d'absences",
        nl="{member} zit boven de afwezigheidslimiet",
        es="{member} supera el límite de ausencias",
        pl="{member} przekroczył(a) limit nieobecności"),
    "absences.body": Text(
        en="{member} has {absences} absences in the last six months (limit {limit}); the latest on {date}.",
        de="{member} hat {absences} Abwesenheiten in den letzten sechs Monaten (Limit {limit}); zuletzt am {date}.",
        fr="{member} compte {absences} absences sur les six derniers mois (limite {limit}) ; la dernière le {date}.",
        nl="{member} was {absences} keer afwezig in de afgelopen zes maanden (limiet {limit}); het laatst op {date}.",
        es="{member} tiene {absences} ausencias en los últimos seis meses (límite {limit}); la última el {date}.",
        pl="{member} ma {absences} nieobecności w ostatnich sześciu miesiącach (limit {limit}); ostatnia dnia {date}."),
    "digest.subject": Text(
        en="Your weekly digest for {date}",
        de="Ihre Wochenübersicht zum {date}",
        fr="Votre résumé de la semaine pour le {date}",
        nl="Uw weekoverzicht voor {date}",
        es="Su resumen semanal para el {date}",
        pl="Państwa podsumowanie tygodnia na {date}"),
    "digest.intro": Text(
        en="Your week in {chapter}, before the meeting on {date}:",
        de="Ihre Woche bei {chapter}, vor dem Treffen am {date}:",
        fr="Votre semaine dans {chapter}, avant la réunion du {date} :",
        nl="Uw week bij {chapter}, voor de bijeenkomst van {date}:",
        es="Su semana en {chapter}, antes de la reunión del {date}:",
        pl="Państwa tydzień w {chapter}, przed spotkaniem dnia {date}:"),
    "digest.given": Text(
        en="Referrals given: {n}",
        de="Gegebene Empfehlungen: {n}",
        fr="Recommandations données : {n}",
        nl="Gegeven referrals: {n}",
        es="Referencias dadas: {n}",
        pl="Przekazane rekomendacje: {n}"),
    "digest.received": Text(
        en="Referrals received: {n}",
        de="Erhaltene Empfehlungen: {n}",
        fr="Recommandations reçues : {n}",
        nl="Ontvangen referrals: {n}",
        es="Referencias recibidas: {n}",
        pl="Otrzymane rekomendacje: {n}"),
    "digest.thanks": Text(
        en="Closed business credited to you: {amount}",
        de="Ihnen gutgeschriebener Umsatz: {amount}",
        fr="Affaires conclues portées à votre crédit : {amount}",
        nl="Aan u toegerekende omzet: {amount}",
        es="Negocio cerrado acreditado a usted: {amount}",
        pl="Zamknięty biznes zapisany na Państwa konto: {amount}"),
    "digest.open": Text(
        en="Open referrals waiting on you: {n}",
        de="Offene Empfehlungen, die auf Sie warten: {n}",
        fr="Recommandations en attente de votre part : {n}",
        nl="Openstaande referrals die op u wachten: {n}",
        es="Referencias abiertas que esperan su respuesta: {n}",
        pl="Otwarte rekomendacje czekające na Państwa: {n}"),
    "digest.open_item": Text(
        en="  - from {giver} ({status}, given {date})",
        de="  - von {giver} ({status}, gegeben am {date})",
        fr="  - de {giver} ({status}, donnée le {date})",
        nl="  - van {giver} ({status}, gegeven op {date})",
        es="  - de {giver} ({status}, dada el {date})",
        pl="  - od {giver} ({status}, przekazana {date})"),
    "digest.light": Text(
        en="Your traffic light: {light}",
        de="Ihre Ampel: {light}",
        fr="Votre voyant : {light}",
        nl="Uw stoplicht: {light}",
        es="Su semáforo: {light}",
        pl="Państwa światło: {light}"),
    "webhook.subject": Text(
        en="A webhook subscription was disabled",
        de="Ein Webhook-Abonnement wurde deaktiviert",
        fr="Un abonnement webhook a été désactivé",
        nl="Een webhook-abonnement is uitgeschakeld",
        es="Se ha desactivado una suscripción de webhook",
        pl="Subskrypcja webhooka została wyłączona"),
    "webhook.body": Text(
        en="Deliveries to {url} have failed since {since}; the subscription {id} is now disabled.",
        de="Zustellungen an {url} schlagen seit {since} fehl; das Abonnement {id} ist jetzt deaktiviert.",
        fr="Les envois vers {url} échouent depuis {since} ; l'abonnement {id} est désormais désactivé.",
        nl="Leveringen aan {url} mislukken sinds {since}; het abonnement {id} is nu uitgeschakeld.",
        es="Los envíos a {url} fallan desde {since}; la suscripción {id} está ahora desactivada.",
        pl="Dostarczanie do {url} zawodzi od {since}; subskrypcja {id} jest teraz wyłączona."),
    "webhook.fix": Text(
        en="Fix the receiver, then create the subscription again.",
        de="Beheben Sie den Fehler beim Empfänger und legen Sie das Abonnement neu an.",
        fr="Corrigez le récepteur, puis créez à nouveau l'abonnement.",
        nl="Herstel de ontvanger en maak het abonnement daarna opnieuw aan.",
        es="Corrija el receptor y vuelva a crear la suscripción.",
        pl="Prosimy naprawić odbiorcę, a następnie utworzyć subskrypcję ponownie."),
}
