"""What a referral's giver and receiver are told as it moves on, and the thanks for closed business."""

from __future__ import annotations

from services.notifications.domain.messages.text import Text

REFERRALS: dict[str, Text] = {
    "received.subject": Text(
        en="{giver} gave you a referral",
        de="{giver} hat Ihnen eine Empfehlung gegeben",
        fr="{giver} vous a donné une recommandation",
        nl="{giver} heeft u een referral gegeven",
        es="{giver} le ha dado una referencia",
        pl="{giver} przekazał(a) Państwu rekomendację"),
    "received.body": Text(
        en="{giver} gave you a {type} referral (temperature {temperature}/5) on {date}.",
        de="{giver} hat Ihnen am {date} eine {type} Empfehlung gegeben (Temperatur {temperature}/5).",
        fr="{giver} vous a donné une recommandation {type} (température {temperature}/5) le {date}.",
        nl="{giver} heeft u op {date} een {type} referral gegeven (temperatuur {temperature}/5).",
        es="{giver} le dio una referencia {type} (temperatura {temperature}/5) el {date}.",
        pl="{giver} przekazał(a) Państwu dnia {date} rekomendację {type} (temperatura {temperature}/5)."),
    "received.ask": Text(
        en="Please confirm you received it and contact the prospect: they expect your call.",
        de="Bitte bestätigen Sie den Eingang und melden Sie sich beim Interessenten: er erwartet Ihren Anruf.",
        fr="Merci de confirmer sa réception et de contacter le prospect : il attend votre appel.",
        nl="Bevestig de ontvangst en neem contact op met de prospect: die verwacht uw telefoontje.",
        es="Confirme que la ha recibido y contacte con el cliente potencial: espera su llamada.",
        pl="Prosimy potwierdzić jej otrzymanie i skontaktować się z klientem: czeka na Państwa telefon."),
    "reminder.subject": Text(
        en="Reminder: confirm the referral from {giver}",
        de="Erinnerung: Bitte bestätigen Sie die Empfehlung von {giver}",
        fr="Rappel : confirmez la recommandation de {giver}",
        nl="Herinnering: bevestig de referral van {giver}",
        es="Recordatorio: confirme la referencia de {giver}",
        pl="Przypomnienie: prosimy potwierdzić rekomendację od {giver}"),
    "reminder.body": Text(
        en="The referral {giver} gave you {hours} hours ago is not confirmed yet.",
        de="Die Empfehlung, die {giver} Ihnen vor {hours} Stunden gegeben hat, ist noch nicht bestätigt.",
        fr="La recommandation que {giver} vous a donnée il y a {hours} heures n'est pas encore confirmée.",
        nl="De referral die {giver} u {hours} uur geleden gaf, is nog niet bevestigd.",
        es="La referencia que {giver} le dio hace {hours} horas aún no está confirmada.",
        pl="Rekomendacja, którą {giver} przekazał(a) Państwu {hours} godz. temu, nie została jeszcze potwierdzona."),
    "reminder.ask": Text(
        en="Please accept it (or decline it) so your referral partner knows it was followed up.",
        de="Bitte nehmen Sie sie an (oder lehnen Sie sie ab), damit Ihr Partner weiß, dass sie bearbeitet wurde.",
        fr="Acceptez-la (ou refusez-la) pour que votre partenaire sache qu'elle a été suivie.",
        nl="Accepteer (of weiger) hem, zodat uw partner weet dat er iets mee gedaan is.",
        es="Acéptela (o recházela) para que su compañero sepa que se le ha dado seguimiento.",
        pl="Prosimy ją przyjąć (lub odrzucić), aby Państwa partner wiedział, że coś się z nią dzieje."),
    "nudge.subject": Text(
        en="Any news on the referral from {giver}?",
        de="Gibt es Neuigkeiten zur Empfehlung von {giver}?",
        fr="Du nouveau sur la recommandation de {giver} ?",
        nl="Nieuws over de referral van {giver}?",
        es="¿Novedades sobre la referencia de {giver}?",
        pl="Czy są nowości w sprawie rekomendacji od {giver}?"),
    "nudge.body": Text(
        en="The referral from {giver} has been '{status}' for {days} days.",
        de="Die Empfehlung von {giver} steht seit {days} Tagen auf „{status}“.",
        fr="La recommandation de {giver} est « {status} » depuis {days} jours.",
        nl="De referral van {giver} staat al {days} dagen op '{status}'.",
        es="La referencia de {giver} lleva {days} días en «{status}».",
        pl="Rekomendacja od {giver} ma status „{status}” od {days} dni."),
    "nudge.ask": Text(
        en="Record where it stands (contacted, won or lost) so the chapter's figures stay current.",
        de=("Tragen Sie den Stand ein (kontaktiert, gewonnen oder verloren), damit die Zahlen des Chapters aktuell "
            "bleiben."),
        fr="Indiquez où elle en est (contacté, gagnée ou perdue) pour que les chiffres du chapitre restent à jour.",
        nl=("Leg vast hoe het ervoor staat (gecontacteerd, gewonnen of verloren), zodat de cijfers van het chapter "
            "actueel blijven."),
        es="Registre en qué punto está (contactado, ganada o perdida) para que las cifras del capítulo sigan al día.",
        pl=("Prosimy zapisać, na jakim jest etapie (kontakt, wygrana lub przegrana), aby liczby chaptera były "
            "aktualne.")),
    "accepted.subject": Text(
        en="{receiver} accepted your referral",
        de="{receiver} hat Ihre Empfehlung angenommen",
        fr="{receiver} a accepté votre recommandation",
        nl="{receiver} heeft uw referral geaccepteerd",
        es="{receiver} aceptó su referencia",
        pl="{receiver} przyjął(ęła) Państwa rekomendację"),
    "accepted.body": Text(
        en="{receiver} accepted the referral you gave on {date}.",
        de="{receiver} hat die Empfehlung angenommen, die Sie am {date} gegeben haben.",
        fr="{receiver} a accepté la recommandation que vous avez donnée le {date}.",
        nl="{receiver} heeft de referral die u op {date} gaf geaccepteerd.",
        es="{receiver} aceptó la referencia que usted dio el {date}.",
        pl="{receiver} przyjął(ęła) rekomendację przekazaną przez Państwa dnia {date}."),
    "won.subject": Text(
        en="{receiver} won the business from your referral",
        de="{receiver} hat mit Ihrer Empfehlung Geschäft gewonnen",
        fr="{receiver} a conclu une affaire grâce à votre recommandation",
        nl="{receiver} heeft met uw referral zaken gedaan",
        es="{receiver} cerró un negocio con su referencia",
        pl="{receiver} zdobył(a) zlecenie dzięki Państwa rekomendacji"),
    "won.body": Text(
        en="{receiver} won the business from the referral you gave on {date}.",
        de="{receiver} hat mit der Empfehlung vom {date} Geschäft gewonnen.",
        fr="{receiver} a conclu une affaire grâce à la recommandation du {date}.",
        nl="{receiver} heeft met de referral van {date} zaken gedaan.",
        es="{receiver} cerró un negocio con la referencia del {date}.",
        pl="{receiver} zdobył(a) zlecenie dzięki rekomendacji przekazanej dnia {date}."),
    "lost.subject": Text(
        en="{receiver} did not win the business from your referral",
        de="{receiver} hat mit Ihrer Empfehlung kein Geschäft gewonnen",
        fr="{receiver} n'a pas conclu d'affaire avec votre recommandation",
        nl="{receiver} heeft met uw referral geen zaken gedaan",
        es="{receiver} no cerró negocio con su referencia",
        pl="{receiver} nie zdobył(a) zlecenia z Państwa rekomendacji"),
    "lost.body": Text(
        en="{receiver} did not win the business from the referral you gave on {date}.",
        de="{receiver} hat mit der Empfehlung vom {date} kein Geschäft gewonnen.",
        fr="{receiver} n'a pas conclu d'affaire avec la recommandation du {date}.",
        nl="{receiver} heeft met de referral van {date} geen zaken gedaan.",
        es="{receiver} no cerró negocio con la referencia del {date}.",
        pl="{receiver} nie zdobył(a) zlecenia z rekomendacji przekazanej dnia {date}."),
    "thanks.subject": Text(
        en="Thank you: {amount} of closed business from your referral",
        de="Danke: {amount} Umsatz aus Ihrer Empfehlung",
        fr="Merci : {amount} d'affaires conclues grâce à votre recommandation",
        nl="Bedankt: {amount} aan omzet uit uw referral",
        es="Gracias: {amount} en negocio cerrado gracias a su referencia",
        pl="Dziękujemy: {amount} zamkniętego biznesu z Państwa rekomendacji"),
    "thanks.body": Text(
        en="{reporter} thanked you for {kind} business worth {amount} (excluding tax).",
        de="{reporter} dankt Ihnen für {kind} Geschäft im Wert von {amount} (ohne Steuer).",
        fr="{reporter} vous remercie pour {kind} affaire d'un montant de {amount} (hors taxes).",
        nl="{reporter} bedankt u voor {kind} omzet ter waarde van {amount} (exclusief btw).",
        es="{reporter} le agradece {kind} por valor de {amount} (sin impuestos).",
        pl="{reporter} dziękuje Państwu za {kind} zlecenie o wartości {amount} (bez podatku)."),
    "thanks.credit": Text(
        en="Givers gain: this is credited to you in the chapter's figures.",
        de="Wer gibt, gewinnt: Das wird Ihnen in den Zahlen des Chapters gutgeschrieben.",
        fr="Qui donne reçoit : ce montant vous est crédité dans les chiffres du chapitre.",
        nl="Wie geeft, wint: dit wordt u toegerekend in de cijfers van het chapter.",
        es="Quien da, recibe: se le acredita en las cifras del capítulo.",
        pl="Kto daje, ten zyskuje: ta kwota jest zapisana na Państwa konto w wynikach chaptera."),
    "thanks.confirm": Text(
        en="Is it right? Confirm it, or dispute it (recorded twice, a wrong amount), in your inbox:",
        de="Stimmt das? Bestätigen Sie es oder widersprechen Sie (doppelt erfasst, falscher Betrag) im Eingang:",
        fr="Est-ce exact ? Confirmez-le, ou contestez-le (saisi deux fois, montant erroné), dans votre boîte :",
        nl="Klopt dit? Bevestig het, of betwist het (dubbel geboekt, verkeerd bedrag), in uw inbox:",
        es="¿Es correcto? Confírmelo, o dispútelo (registrado dos veces, importe erróneo), en su bandeja:",
        pl="Czy to się zgadza? Prosimy potwierdzić lub zakwestionować (zapisane dwa razy, zła kwota) w skrzynce:"),
}
