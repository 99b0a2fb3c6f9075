"""What a member is told when a leader keyed in a slip for them (paper slips at the meeting): who typed it
and what it says, so a slip recorded in their name never goes unnoticed."""

from __future__ import annotations

from services.notifications.domain.messages.text import Text

BEHALF: dict[str, Text] = {
    "behalf.subject": Text(
        en="{leader} recorded {slip} on your behalf",
        de="{leader} hat {slip} für Sie erfasst",
        fr="{leader} a enregistré {slip} en votre nom",
        nl="{leader} heeft {slip} namens u vastgelegd",
        es="{leader} registró {slip} en su nombre",
        pl="{leader} zapisał(a) w Państwa imieniu {slip}"),
    "behalf.body": Text(
        en="{leader} recorded {slip} on your behalf: {details}.",
        de="{leader} hat {slip} für Sie erfasst: {details}.",
        fr="{leader} a enregistré {slip} en votre nom : {details}.",
        nl="{leader} heeft {slip} namens u vastgelegd: {details}.",
        es="{leader} registró {slip} en su nombre: {details}.",
        pl="{leader} zapisał(a) w Państwa imieniu {slip}: {details}."),
    "behalf.check": Text(
        en="It counts as yours. If anything in it is wrong, tell {leader}.",
        de="Er zählt als Ihrer. Wenn etwas daran nicht stimmt, sagen Sie es {leader}.",
        fr="Il compte comme le vôtre. Si quelque chose est inexact, dites-le à {leader}.",
        nl="Hij telt als de uwe. Klopt er iets niet, laat het {leader} weten.",
        es="Cuenta como suyo. Si algo no es correcto, díganselo a {leader}.",
        pl="Liczy się jako Państwa. Jeśli coś się nie zgadza, prosimy zgłosić to osobie: {leader}."),
    "slip.referral": Text(en="a referral", de="eine Empfehlung", fr="une recommandation", nl="een referral",
                          es="una referencia", pl="rekomendację"),
    "slip.closed-business": Text(en="closed business", de="einen Geschäftsabschluss", fr="une affaire conclue",
                                 nl="gesloten omzet", es="un negocio cerrado", pl="zamknięty biznes"),
    "slip.one-to-one": Text(en="a one-to-one", de="ein Einzelgespräch", fr="un tête-à-tête", nl="een één-op-één",
                            es="una reunión uno a uno", pl="spotkanie jeden na jeden"),
    "slip.ceu": Text(en="an education credit", de="eine Weiterbildung", fr="une formation", nl="een opleidingspunt",
                     es="un crédito de formación", pl="punkt edukacyjny"),
    "slip.visitor": Text(en="a visitor you invited", de="einen von Ihnen eingeladenen Gast",
                         fr="un visiteur que vous avez invité", nl="een bezoeker die u uitnodigde",
                         es="un visitante que usted invitó", pl="zaproszonego przez Państwa gościa"),
    "behalf.referral": Text(
        en="to {receiver}, {type}, temperature {temperature}/5, on {date}",
        de="an {receiver}, {type}, Temperatur {temperature}/5, am {date}",
        fr="à {receiver}, {type}, température {temperature}/5, le {date}",
        nl="aan {receiver}, {type}, temperatuur {temperature}/5, op {date}",
        es="a {receiver}, {type}, temperatura {temperature}/5, el {date}",
        pl="odbiorca: {receiver}, temperatura {temperature}/5, dnia {date} (rekomendacja {type})"),
    "behalf.closed-business": Text(
        en="{amount}, thanking {thanked}, on {date}",
        de="{amount}, Dank an {thanked}, am {date}",
        fr="{amount}, en remerciant {thanked}, le {date}",
        nl="{amount}, met dank aan {thanked}, op {date}",
        es="{amount}, agradeciendo a {thanked}, el {date}",
        pl="{amount}, podziękowanie dla: {thanked}, dnia {date}"),
    "behalf.one-to-one": Text(
        en="with {other} on {date}",
        de="mit {other} am {date}",
        fr="avec {other} le {date}",
        nl="met {other} op {date}",
        es="con {other} el {date}",
        pl="druga osoba: {other}, dnia {date}"),
    "behalf.ceu": Text(
        en="{description} ({credits}), on {date}",
        de="{description} ({credits}), am {date}",
        fr="{description} ({credits}), le {date}",
        nl="{description} ({credits}), op {date}",
        es="{description} ({credits}), el {date}",
        pl="{description} ({credits}), dnia {date}"),
    "behalf.visitor": Text(
        en="on {date}",
        de="am {date}",
        fr="le {date}",
        nl="op {date}",
        es="el {date}",
        pl="dnia {date}"),
}
