"""What a visitor who registered themself hears (the confirmation, the reminder two days before), and what the
member they named and the chapter's leaders hear. The visitor's name is only ever the greeting of their own
e-mails; members are told that a visitor registered, and find who in the chapter's visitor list."""

from __future__ import annotations

from services.notifications.domain.messages.text import Text

VISITORS: dict[str, Text] = {
    "visitor.confirm.subject": Text(
        en="You are registered for {chapter} on {date}",
        de="Sie sind für {chapter} am {date} angemeldet",
        fr="Vous êtes inscrit à {chapter} le {date}",
        nl="U bent aangemeld voor {chapter} op {date}",
        es="Está registrado en {chapter} el {date}",
        pl="Rejestracja na spotkanie {chapter} dnia {date} przyjęta"),
    "visitor.confirm.body": Text(
        en="Thank you for registering as a visitor. {chapter} looks forward to seeing you at its meeting on {date} "
           "at {time} ({timezone}).",
        de="Danke für Ihre Anmeldung als Gast. {chapter} freut sich, Sie beim Treffen am {date} um {time} "
           "({timezone}) zu sehen.",
        fr="Merci de vous être inscrit comme visiteur. {chapter} se réjouit de vous accueillir à sa réunion du {date} "
           "à {time} ({timezone}).",
        nl="Dank u voor uw aanmelding als bezoeker. {chapter} verwelkomt u graag op de bijeenkomst van {date} om "
           "{time} ({timezone}).",
        es="Gracias por registrarse como visitante. {chapter} le espera en su reunión del {date} a las {time} "
           "({timezone}).",
        pl="Dziękujemy za rejestrację jako gość. {chapter} czeka na Państwa na spotkaniu dnia {date} o godzinie "
           "{time} ({timezone})."),
    "visitor.confirm.invited": Text(
        en="{inviter} invited you and will be glad to see you there.",
        de="{inviter} hat Sie eingeladen und freut sich auf Sie.",
        fr="{inviter} vous a invité et sera ravi de vous y voir.",
        nl="{inviter} heeft u uitgenodigd en ziet u daar graag.",
        es="{inviter} le invitó y estará encantado de verle allí.",
        pl="Zaprasza Państwa: {inviter}, z radością Państwa powita."),
    "visitor.confirm.reminder": Text(
        en="We will remind you {days} before the meeting.",
        de="Wir erinnern Sie {days} vor dem Treffen daran.",
        fr="Nous vous le rappellerons {days} avant la réunion.",
        nl="We herinneren u er {days} voor de bijeenkomst aan.",
        es="Se lo recordaremos {days} antes de la reunión.",
        pl="Przypomnimy o spotkaniu na {days} przed nim."),
    "visitor.ignore": Text(
        en="If you did not register, please ignore this e-mail: nothing else will be sent to you.",
        de="Falls Sie sich nicht angemeldet haben, ignorieren Sie diese E-Mail bitte: Sie erhalten sonst nichts.",
        fr="Si vous ne vous êtes pas inscrit, ignorez cet e-mail : rien d'autre ne vous sera envoyé.",
        nl="Hebt u zich niet aangemeld, negeer deze e-mail dan: u ontvangt verder niets.",
        es="Si usted no se registró, ignore este correo: no se le enviará nada más.",
        pl="Jeśli to nie Państwo się rejestrowali, prosimy zignorować tę wiadomość: nic więcej nie wyślemy."),
    "visitor.reminder.subject": Text(
        en="See you on {date} at {chapter}",
        de="Bis zum {date} bei {chapter}",
        fr="À bientôt le {date} chez {chapter}",
        nl="Tot {date} bij {chapter}",
        es="Nos vemos el {date} en {chapter}",
        pl="Do zobaczenia {date} w {chapter}"),
    "visitor.reminder.body": Text(
        en="A reminder: you are registered as a visitor at {chapter}'s meeting on {date} at {time} ({timezone}).",
        de="Zur Erinnerung: Sie sind als Gast beim Treffen von {chapter} am {date} um {time} ({timezone}) angemeldet.",
        fr="Pour rappel : vous êtes inscrit comme visiteur à la réunion de {chapter} le {date} à {time} ({timezone}).",
        nl="Ter herinnering: u bent als bezoeker aangemeld voor de bijeenkomst van {chapter} op {date} om {time} "
           "({timezone}).",
        es="Le recordamos que está registrado como visitante en la reunión de {chapter} el {date} a las {time} "
           "({timezone}).",
        pl="Przypominamy: są Państwo zarejestrowani jako gość na spotkaniu {chapter} dnia {date} o godzinie {time} "
           "({timezone})."),
    "visitor.registered.subject": Text(
        en="A visitor registered for {date}",
        de="Ein Gast hat sich für den {date} angemeldet",
        fr="Un visiteur s'est inscrit pour le {date}",
        nl="Een bezoeker meldde zich aan voor {date}",
        es="Un visitante se registró para el {date}",
        pl="Gość zarejestrował się na spotkanie {date}"),
    "visitor.registered.by": Text(
        en="A visitor registered on the chapter's page for the meeting on {date}, naming {inviter} as who invited "
           "them.",
        de="Ein Gast hat sich auf der Seite des Chapters für das Treffen am {date} angemeldet und {inviter} als "
           "Einladende(n) genannt.",
        fr="Un visiteur s'est inscrit sur la page du chapitre pour la réunion du {date} et indique avoir été invité "
           "par {inviter}.",
        nl="Een bezoeker meldde zich via de pagina van het chapter aan voor de bijeenkomst van {date} en noemde "
           "{inviter} als degene die uitnodigde.",
        es="Un visitante se registró en la página del capítulo para la reunión del {date} e indicó que le invitó "
           "{inviter}.",
        pl="Gość zarejestrował się na stronie chaptera na spotkanie dnia {date}; jako osobę zapraszającą wskazał: "
           "{inviter}."),
    "visitor.registered.nobody": Text(
        en="A visitor registered on the chapter's page for the meeting on {date}; nobody invited them.",
        de="Ein Gast hat sich auf der Seite des Chapters für das Treffen am {date} angemeldet; niemand hat ihn "
           "eingeladen.",
        fr="Un visiteur s'est inscrit sur la page du chapitre pour la réunion du {date} ; personne ne l'a invité.",
        nl="Een bezoeker meldde zich via de pagina van het chapter aan voor de bijeenkomst van {date}; niemand "
           "nodigde hem uit.",
        es="Un visitante se registró en la página del capítulo para la reunión del {date}; nadie le invitó.",
        pl="Gość zarejestrował się na stronie chaptera na spotkanie dnia {date}; nikt go nie zaprosił."),
    "visitor.registered.see": Text(
        en="Who it is: the chapter's visitor list. After the meeting, record whether they came.",
        de="Wer es ist: in der Gästeliste des Chapters. Halten Sie nach dem Treffen fest, ob der Gast kam.",
        fr="Qui c'est : la liste des visiteurs du chapitre. Après la réunion, notez s'il est venu.",
        nl="Wie het is: de bezoekerslijst van het chapter. Leg na de bijeenkomst vast of de bezoeker kwam.",
        es="Quién es: la lista de visitantes del capítulo. Tras la reunión, registren si vino.",
        pl="Kto to jest: lista gości chaptera. Po spotkaniu prosimy zapisać, czy gość przyszedł."),
}
