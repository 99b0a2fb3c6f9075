"""A sign-in link a member asked for, and the one a new member's welcome carries."""

from __future__ import annotations

from services.notifications.domain.messages.text import Text

SIGN_IN: dict[str, Text] = {
    "signin.subject": Text(
        en="Your sign-in link",
        de="Ihr Anmeldelink",
        fr="Votre lien de connexion",
        nl="Uw inloglink",
        es="Su enlace de acceso",
        pl="Twój link do logowania"),
    "signin.body": Text(
        en="Here is your link to sign in to {chapter} on refnet:",
        de="Hier ist Ihr Link zur Anmeldung bei {chapter} in refnet:",
        fr="Voici votre lien pour vous connecter à {chapter} sur refnet :",
        nl="Hier is uw link om in te loggen bij {chapter} op refnet:",
        es="Este es su enlace para acceder a {chapter} en refnet:",
        pl="Oto link do zalogowania się do {chapter} w refnet:"),
    "signin.valid": Text(
        en="The link works once, until {until}.",
        de="Der Link funktioniert einmal und ist gültig bis {until}.",
        fr="Le lien ne fonctionne qu'une fois, jusqu'au {until}.",
        nl="De link werkt één keer en is geldig tot {until}.",
        es="El enlace funciona una sola vez y es válido hasta el {until}.",
        pl="Link działa jeden raz i jest ważny do {until}."),
    "signin.ignore": Text(
        en="If you did not ask to sign in, ignore this e-mail: nobody can sign in without this link.",
        de=("Falls Sie keine Anmeldung angefordert haben, ignorieren Sie diese E-Mail: Ohne diesen Link kann sich "
            "niemand anmelden."),
        fr=("Si vous n'avez pas demandé à vous connecter, ignorez cet e-mail : personne ne peut se connecter sans "
            "ce lien."),
        nl="Heeft u niet gevraagd om in te loggen? Negeer dan deze e-mail: zonder deze link kan niemand inloggen.",
        es="Si no ha pedido acceder, ignore este correo: nadie puede acceder sin este enlace.",
        pl=("Jeśli nie prosili Państwo o logowanie, prosimy zignorować tę wiadomość: bez tego linku nikt się nie "
            "zaloguje.")),
    "welcome.sign_in": Text(
        en="Sign in with this link to see your referrals and your chapter:",
        de="Melden Sie sich mit diesem Link an, um Ihre Empfehlungen und Ihr Chapter zu sehen:",
        fr="Connectez-vous avec ce lien pour voir vos recommandations et votre chapitre :",
        nl="Log in met deze link om uw referrals en uw chapter te zien:",
        es="Acceda con este enlace para ver sus referencias y su capítulo:",
        pl="Prosimy zalogować się tym linkiem, aby zobaczyć swoje rekomendacje i swój chapter:"),
}
