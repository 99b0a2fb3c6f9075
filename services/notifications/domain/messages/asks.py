"""The weekly digest's next best actions and the chapter's asks. Counts are written as "(n)" or after a colon:
no plural forms to get wrong in any language."""

from __future__ import annotations

from services.notifications.domain.messages.text import Text

ASKS: dict[str, Text] = {
    "actions.title": Text(
        en="Your next best actions (as of {date}):",
        de="Ihre nächsten Schritte (Stand {date}):",
        fr="Vos prochaines actions (au {date}) :",
        nl="Uw volgende stappen (per {date}):",
        es="Sus próximas acciones (a {date}):",
        pl="Państwa następne kroki (stan na {date}):"),
    "actions.lift": Text(
        en="  - {area}: {more} more, +{points} points for your traffic light ({colour})",
        de="  - {area}: {more} mehr, +{points} Punkte für Ihre Ampel ({colour})",
        fr="  - {area} : {more} de plus, +{points} points pour votre voyant ({colour})",
        nl="  - {area}: {more} meer, +{points} punten voor uw stoplicht ({colour})",
        es="  - {area}: {more} más, +{points} puntos para su semáforo ({colour})",
        pl="  - {area}: o {more} więcej, +{points} pkt dla Państwa światła ({colour})"),
    "actions.give_back": Text(
        en="  - Give back to {name}: referrals from them ({n}), none from you yet",
        de="  - Geben Sie {name} etwas zurück: Empfehlungen von dort ({n}), von Ihnen noch keine",
        fr="  - Rendez la pareille à {name} : recommandations reçues ({n}), aucune de votre part",
        nl="  - Geef iets terug aan {name}: referrals van hen ({n}), nog geen van u",
        es="  - Devuelva el favor a {name}: referencias recibidas ({n}), ninguna suya todavía",
        pl="  - Odwdzięczcie się {name}: rekomendacje od tej osoby ({n}), od Państwa jeszcze żadnej"),
    "actions.answer_ask": Text(
        en="  - {name} is looking for \"{ask}\": your business matches ({words}); refer or introduce them",
        de="  - {name} sucht \"{ask}\": Ihr Geschäft passt ({words}); empfehlen oder vermitteln Sie",
        fr="  - {name} cherche « {ask} » : votre activité correspond ({words}) ; recommandez ou présentez",
        nl="  - {name} zoekt \"{ask}\": uw bedrijf past erbij ({words}); geef een referral of stel voor",
        es="  - {name} busca «{ask}»: su negocio encaja ({words}); recomiende o presente",
        pl="  - {name} szuka „{ask}”: Państwa firma pasuje ({words}); polećcie lub przedstawcie"),
    "actions.refer_after_one_to_one": Text(
        en="  - You met {name} one-to-one but have not referred them yet",
        de="  - Sie hatten ein Einzelgespräch mit {name}, aber noch keine Empfehlung gegeben",
        fr="  - Vous avez vu {name} en tête-à-tête sans lui avoir encore recommandé personne",
        nl="  - U had een één-op-één met {name} maar gaf nog geen referral",
        es="  - Se reunió uno a uno con {name} pero aún no le ha dado ninguna referencia",
        pl="  - Spotkali się Państwo z {name} jeden na jeden, ale bez rekomendacji"),
    "actions.revive": Text(
        en="  - No referral either way with {name} since {date}: time to talk again",
        de="  - Keine Empfehlung zwischen Ihnen und {name} seit {date}: Zeit für ein Gespräch",
        fr="  - Aucune recommandation avec {name} depuis le {date} : reprenez contact",
        nl="  - Geen referral over en weer met {name} sinds {date}: tijd om weer te praten",
        es="  - Ninguna referencia con {name} desde el {date}: es hora de volver a hablar",
        pl="  - Brak rekomendacji z {name} od {date}: czas znów porozmawiać"),
    "actions.area.referrals": Text(en="Referrals given", de="Gegebene Empfehlungen", fr="Recommandations données",
                                   nl="Gegeven referrals", es="Referencias dadas", pl="Przekazane rekomendacje"),
    "actions.area.one_to_ones": Text(en="One-to-ones", de="Einzelgespräche", fr="Tête-à-tête", nl="Eén-op-ééns",
                                     es="Reuniones uno a uno", pl="Spotkania jeden na jeden"),
    "actions.area.ceus": Text(en="Education credits", de="Weiterbildungspunkte", fr="Crédits de formation",
                              nl="Opleidingspunten", es="Créditos de formación", pl="Punkty edukacyjne"),
    "actions.area.visitors": Text(en="Visitors", de="Gäste", fr="Visiteurs", nl="Bezoekers", es="Visitantes",
                                  pl="Goście"),
    "asks.title": Text(
        en="What your chapter is looking for:",
        de="Wonach Ihr Chapter sucht:",
        fr="Ce que votre chapitre recherche :",
        nl="Waar uw chapter naar zoekt:",
        es="Lo que busca su capítulo:",
        pl="Czego szuka Państwa chapter:"),
    "asks.item": Text(
        en="  - {name}: {ask} ({date})",
        de="  - {name}: {ask} ({date})",
        fr="  - {name} : {ask} ({date})",
        nl="  - {name}: {ask} ({date})",
        es="  - {name}: {ask} ({date})",
        pl="  - {name}: {ask} ({date})"),
}
