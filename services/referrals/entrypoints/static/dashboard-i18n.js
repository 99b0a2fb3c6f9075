// The leaders' dashboard in the chapter's language (ChapterFounded.language: en, de, fr, nl, es, pl). A file of
// its own, loaded before dashboard.js, so the page keeps its strict policy (no inline script). English is the
// reference: a key a language lacks reads English. `{name}` placeholders are filled by `refnetText.t`.
(function () {
  "use strict";
  const WORDS = {
    en: {
      given: "given", accepted: "accepted", contacted: "contacted", won: "won",
      chapter: "Chapter", from: "From", to: "to", show: "Show", connecting: "connecting…",
      referrals_in_window: "Referrals in window", referrals: "referrals", closed_business: "closed business",
      funnel: "Conversion funnel", matrix: "Give / receive matrix (giver → receiver)",
      balance: "Given vs received per member", lights: "Traffic lights",
      dormant: "Dormant pairs (one-to-ones, no referral)", integrity: "Integrity signals",
      weekly: "Weekly slips (PALMS)", gave: "gave", got: "got", index: "index",
      member: "member", light: "light", score: "score", attendance: "attend.", refs: "refs", one_to_ones: "1-2-1",
      ceu: "CEU", visitors: "visitors", pair: "pair", last_one_to_one: "last 1-2-1",
      days_since_referral: "days since referral", given_in_out_t3: "given in/out/t3", received: "recv",
      tyfcb_given: "TYFCB given", tyfcb_received: "TYFCB recv", late: "late", max_days: "max days",
      week_lateness: "{slips} slips · {late} recorded late (> {days} day) · median {median} · max {max} days late",
      signal: "signal", who: "who", what: "what",
      integrity_summary: "suspected duplicate closed business: {duplicates} · waiting for confirmation: {pending} · " +
        "concentrated pairs: {pairs} · back-dated slips (> {days} days): {late} · keyed in by someone else: {keyed}",
      suspected_duplicate: "suspected duplicate", waiting_confirmation: "waiting for confirmation",
      concentrated_pair: "concentrated pair", thanked: "{reporter} thanked {thanked}",
      looks_like: "{amount} on {day} looks like {other} on {other_day}",
      waiting_days: "{amount} on {day}, {days} days waiting", share_of: "{n} of {total} referrals ({share})",
      effective: "referrals (effective)", top_partner: "top partner", unlinked: "unlinked", disputed: "disputed",
      back_dated: "back-dated", keyed_by_others: "keyed by others",
      live: "live · as of event {sequence} ({time})", error: "error: {message}", retrying: "error: {message} (retrying)",
      reconnecting: "reconnecting…", signed_out: "signed out: sign in again",
      green: "green", yellow: "yellow", red: "red", grey: "grey",
    },
    de: {
      given: "gegeben", accepted: "angenommen", contacted: "kontaktiert", won: "gewonnen",
      chapter: "Chapter", from: "Von", to: "bis", show: "Anzeigen", connecting: "verbinde…",
      referrals_in_window: "Empfehlungen im Zeitraum", referrals: "Empfehlungen", closed_business: "Geschäftsabschlüsse",
      funnel: "Konversionstrichter", matrix: "Geben / Empfangen (Geber → Empfänger)",
      balance: "Gegeben und erhalten je Mitglied", lights: "Ampeln",
      dormant: "Ruhende Paare (Einzelgespräche, keine Empfehlung)", integrity: "Hinweise zur Verlässlichkeit",
      weekly: "Wochenzettel (PALMS)", gave: "gab", got: "erhielt", index: "Index",
      member: "Mitglied", light: "Ampel", score: "Punkte", attendance: "Anwes.", refs: "Empf.", one_to_ones: "1-zu-1",
      ceu: "CEU", visitors: "Gäste", pair: "Paar", last_one_to_one: "letztes 1-zu-1",
      days_since_referral: "Tage seit Empfehlung", given_in_out_t3: "gegeben in/aus/t3", received: "erh.",
      tyfcb_given: "TYFCB gegeben", tyfcb_received: "TYFCB erhalten", late: "spät", max_days: "max. Tage",
      week_lateness: "{slips} Zettel · {late} spät erfasst (> {days} Tag) · Median {median} · höchstens {max} Tage spät",
      signal: "Hinweis", who: "wer", what: "was",
      integrity_summary: "vermutlich doppelte Abschlüsse: {duplicates} · warten auf Bestätigung: {pending} · " +
        "einseitige Paare: {pairs} · rückdatierte Zettel (> {days} Tage): {late} · von anderen erfasst: {keyed}",
      suspected_duplicate: "vermutlich doppelt", waiting_confirmation: "wartet auf Bestätigung",
      concentrated_pair: "einseitiges Paar", thanked: "{reporter} dankte {thanked}",
      looks_like: "{amount} am {day} gleicht {other} am {other_day}",
      waiting_days: "{amount} am {day}, wartet seit {days} Tagen", share_of: "{n} von {total} Empfehlungen ({share})",
      effective: "Empfehlungen (wirksam)", top_partner: "häufigster Partner", unlinked: "ohne Empfehlung",
      disputed: "bestritten", back_dated: "rückdatiert", keyed_by_others: "von anderen erfasst",
      live: "live · Stand Ereignis {sequence} ({time})", error: "Fehler: {message}",
      retrying: "Fehler: {message} (neuer Versuch)", reconnecting: "verbinde neu…",
      signed_out: "abgemeldet: bitte neu anmelden", green: "grün", yellow: "gelb", red: "rot", grey: "grau",
    },
    fr: {
      given: "donnée", accepted: "acceptée", contacted: "contacté", won: "gagnée",
      chapter: "Chapitre", from: "Du", to: "au", show: "Afficher", connecting: "connexion…",
      referrals_in_window: "Recommandations sur la période", referrals: "recommandations",
      closed_business: "affaires conclues", funnel: "Entonnoir de conversion",
      matrix: "Donner / recevoir (qui donne → qui reçoit)", balance: "Données et reçues par membre",
      lights: "Feux", dormant: "Paires en sommeil (tête-à-tête, sans recommandation)",
      integrity: "Signaux d'intégrité", weekly: "Fiches de la semaine (PALMS)", gave: "a donné", got: "a reçu",
      index: "indice", member: "membre", light: "feu", score: "points", attendance: "présence", refs: "reco.",
      one_to_ones: "tête-à-tête", ceu: "CEU", visitors: "visiteurs", pair: "paire", last_one_to_one: "dernier tête-à-tête",
      days_since_referral: "jours depuis la recommandation", given_in_out_t3: "données int./ext./t3", received: "reçues",
      tyfcb_given: "TYFCB donné", tyfcb_received: "TYFCB reçu", late: "en retard", max_days: "jours max.",
      week_lateness: "{slips} fiches · {late} saisies en retard (> {days} jour) · médiane {median} · " +
        "au plus {max} jours de retard",
      signal: "signal", who: "qui", what: "quoi",
      integrity_summary: "affaires peut-être en double : {duplicates} · en attente de confirmation : {pending} · " +
        "paires concentrées : {pairs} · fiches antidatées (> {days} jours) : {late} · saisies par un autre : {keyed}",
      suspected_duplicate: "doublon possible", waiting_confirmation: "en attente de confirmation",
      concentrated_pair: "paire concentrée", thanked: "{reporter} a remercié {thanked}",
      looks_like: "{amount} le {day} ressemble à {other} le {other_day}",
      waiting_days: "{amount} le {day}, en attente depuis {days} jours",
      share_of: "{n} sur {total} recommandations ({share})", effective: "recommandations (effectives)",
      top_partner: "premier partenaire", unlinked: "sans recommandation", disputed: "contestées",
      back_dated: "antidatées", keyed_by_others: "saisies par d'autres",
      live: "en direct · événement {sequence} ({time})", error: "erreur : {message}",
      retrying: "erreur : {message} (nouvel essai)", reconnecting: "reconnexion…",
      signed_out: "déconnecté : reconnectez-vous", green: "vert", yellow: "jaune", red: "rouge", grey: "gris",
    },
    nl: {
      given: "gegeven", accepted: "aanvaard", contacted: "gecontacteerd", won: "gewonnen",
      chapter: "Chapter", from: "Van", to: "tot", show: "Tonen", connecting: "verbinden…",
      referrals_in_window: "Referrals in de periode", referrals: "referrals", closed_business: "gesloten omzet",
      funnel: "Conversietrechter", matrix: "Geven / ontvangen (gever → ontvanger)",
      balance: "Gegeven en ontvangen per lid", lights: "Stoplichten",
      dormant: "Slapende paren (één-op-ééns, geen referral)", integrity: "Betrouwbaarheidssignalen",
      weekly: "Slips van de week (PALMS)", gave: "gaf", got: "kreeg", index: "index",
      member: "lid", light: "licht", score: "punten", attendance: "aanw.", refs: "ref.", one_to_ones: "1-op-1",
      ceu: "CEU", visitors: "bezoekers", pair: "paar", last_one_to_one: "laatste 1-op-1",
      days_since_referral: "dagen sinds referral", given_in_out_t3: "gegeven in/uit/t3", received: "ontv.",
      tyfcb_given: "TYFCB gegeven", tyfcb_received: "TYFCB ontvangen", late: "laat", max_days: "max. dagen",
      week_lateness: "{slips} slips · {late} laat ingevoerd (> {days} dag) · mediaan {median} · " +
        "hoogstens {max} dagen laat",
      signal: "signaal", who: "wie", what: "wat",
      integrity_summary: "mogelijk dubbele omzet: {duplicates} · wacht op bevestiging: {pending} · " +
        "eenzijdige paren: {pairs} · teruggedateerde slips (> {days} dagen): {late} · door een ander ingevoerd: {keyed}",
      suspected_duplicate: "mogelijk dubbel", waiting_confirmation: "wacht op bevestiging",
      concentrated_pair: "eenzijdig paar", thanked: "{reporter} bedankte {thanked}",
      looks_like: "{amount} op {day} lijkt op {other} op {other_day}",
      waiting_days: "{amount} op {day}, wacht al {days} dagen", share_of: "{n} van {total} referrals ({share})",
      effective: "referrals (effectief)", top_partner: "vaakste partner", unlinked: "zonder referral",
      disputed: "betwist", back_dated: "teruggedateerd", keyed_by_others: "door anderen ingevoerd",
      live: "live · stand gebeurtenis {sequence} ({time})", error: "fout: {message}",
      retrying: "fout: {message} (opnieuw)", reconnecting: "opnieuw verbinden…",
      signed_out: "afgemeld: meld u opnieuw aan", green: "groen", yellow: "geel", red: "rood", grey: "grijs",
    },
    es: {
      given: "dada", accepted: "aceptada", contacted: "contactado", won: "ganada",
      chapter: "Capítulo", from: "Del", to: "al", show: "Mostrar", connecting: "conectando…",
      referrals_in_window: "Referencias en el periodo", referrals: "referencias", closed_business: "negocio cerrado",
      funnel: "Embudo de conversión", matrix: "Dar / recibir (quien da → quien recibe)",
      balance: "Dadas y recibidas por miembro", lights: "Semáforos",
      dormant: "Parejas dormidas (reuniones uno a uno, sin referencia)", integrity: "Señales de integridad",
      weekly: "Fichas de la semana (PALMS)", gave: "dio", got: "recibió", index: "índice",
      member: "miembro", light: "semáforo", score: "puntos", attendance: "asist.", refs: "ref.", one_to_ones: "1 a 1",
      ceu: "CEU", visitors: "visitantes", pair: "pareja", last_one_to_one: "último 1 a 1",
      days_since_referral: "días desde la referencia", given_in_out_t3: "dadas int./ext./t3", received: "recib.",
      tyfcb_given: "TYFCB dado", tyfcb_received: "TYFCB recibido", late: "tarde", max_days: "días máx.",
      week_lateness: "{slips} fichas · {late} registradas tarde (> {days} día) · mediana {median} · " +
        "como mucho {max} días tarde",
      signal: "señal", who: "quién", what: "qué",
      integrity_summary: "negocios quizá duplicados: {duplicates} · esperan confirmación: {pending} · " +
        "parejas concentradas: {pairs} · fichas con fecha atrasada (> {days} días): {late} · " +
        "registradas por otro: {keyed}",
      suspected_duplicate: "posible duplicado", waiting_confirmation: "espera confirmación",
      concentrated_pair: "pareja concentrada", thanked: "{reporter} agradeció a {thanked}",
      looks_like: "{amount} el {day} se parece a {other} el {other_day}",
      waiting_days: "{amount} el {day}, espera desde hace {days} días",
      share_of: "{n} de {total} referencias ({share})", effective: "referencias (efectivas)",
      top_partner: "socio principal", unlinked: "sin referencia", disputed: "disputadas",
      back_dated: "con fecha atrasada", keyed_by_others: "registradas por otros",
      live: "en directo · evento {sequence} ({time})", error: "error: {message}",
      retrying: "error: {message} (reintentando)", reconnecting: "reconectando…",
      signed_out: "sesión cerrada: vuelva a entrar", green: "verde", yellow: "amarillo", red: "rojo", grey: "gris",
    },
    pl: {
      given: "przekazana", accepted: "przyjęta", contacted: "kontakt", won: "wygrana",
      chapter: "Chapter", from: "Od", to: "do", show: "Pokaż", connecting: "łączenie…",
      referrals_in_window: "Rekomendacje w okresie", referrals: "rekomendacje", closed_business: "zamknięty biznes",
      funnel: "Lejek konwersji", matrix: "Dawanie / otrzymywanie (kto daje → kto otrzymuje)",
      balance: "Dane i otrzymane na członka", lights: "Światła",
      dormant: "Uśpione pary (spotkania jeden na jeden, bez rekomendacji)", integrity: "Sygnały rzetelności",
      weekly: "Karty tygodnia (PALMS)", gave: "dał(a)", got: "otrzymał(a)", index: "wskaźnik",
      member: "członek", light: "światło", score: "punkty", attendance: "obecn.", refs: "rek.", one_to_ones: "1 na 1",
      ceu: "CEU", visitors: "goście", pair: "para", last_one_to_one: "ostatnie 1 na 1",
      days_since_referral: "dni od rekomendacji", given_in_out_t3: "dane wew./zew./t3", received: "otrz.",
      tyfcb_given: "TYFCB dane", tyfcb_received: "TYFCB otrzymane", late: "późno", max_days: "maks. dni",
      week_lateness: "kart: {slips} · wpisanych późno (> {days} dzień): {late} · mediana {median} · " +
        "najwyżej {max} dni spóźnienia",
      signal: "sygnał", who: "kto", what: "co",
      integrity_summary: "możliwe zdublowane biznesy: {duplicates} · czekają na potwierdzenie: {pending} · " +
        "jednostronne pary: {pairs} · karty wpisane wstecz (> {days} dni): {late} · wpisane przez kogoś innego: {keyed}",
      suspected_duplicate: "możliwy duplikat", waiting_confirmation: "czeka na potwierdzenie",
      concentrated_pair: "jednostronna para", thanked: "{reporter} podziękował(a) {thanked}",
      looks_like: "{amount} dnia {day} przypomina {other} dnia {other_day}",
      waiting_days: "{amount} dnia {day}, czeka od {days} dni", share_of: "{n} z {total} rekomendacji ({share})",
      effective: "rekomendacje (efektywne)", top_partner: "główny partner", unlinked: "bez rekomendacji",
      disputed: "zakwestionowane", back_dated: "wpisane wstecz", keyed_by_others: "wpisane przez innych",
      live: "na żywo · stan zdarzenia {sequence} ({time})", error: "błąd: {message}",
      retrying: "błąd: {message} (ponawiam)", reconnecting: "ponowne łączenie…",
      signed_out: "wylogowano: prosimy zalogować się ponownie", green: "zielone", yellow: "żółte", red: "czerwone",
      grey: "szare",
    },
  };
  let language = "en";
  function t(key, fields) {
    const text = (WORDS[language] || {})[key] || WORDS.en[key] || key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (fields && name in fields ? String(fields[name]) : ""));
  }
  // the page's fixed labels carry `data-t`; the rest is written by dashboard.js through `t`
  function use(chosen) {
    language = WORDS[chosen] ? chosen : "en";
    document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
  }
  window.refnetText = {t, use, languages: Object.keys(WORDS)};
})();
