// The chapter's public visitor page: plain DOM calls (textContent, never innerHTML), same-origin fetches only.
const WORDS = {
  en: { title: "Visit {chapter}", intro: "Join one of our breakfast meetings as a guest ({time}, {city}).",
        name: "Your name", business: "Your business", email: "Your e-mail", meeting: "The meeting you will attend",
        inviter: "Who invited you?", nobody: "Nobody: I found you myself", send: "Register",
        done: "Thank you! You are registered for {date}. We sent you a confirmation by e-mail.",
        unknown: "This chapter does not exist.", busy: "Too many registrations from here: please try again in a minute.",
        failed: "Please check: {fields}." },
  de: { title: "Besuchen Sie {chapter}", intro: "Kommen Sie als Gast zu einem unserer Frühstückstreffen ({time}, {city}).",
        name: "Ihr Name", business: "Ihr Unternehmen", email: "Ihre E-Mail-Adresse", meeting: "Das Treffen, an dem Sie teilnehmen",
        inviter: "Wer hat Sie eingeladen?", nobody: "Niemand: ich habe Sie selbst gefunden", send: "Anmelden",
        done: "Danke! Sie sind für den {date} angemeldet. Wir haben Ihnen eine Bestätigung per E-Mail geschickt.",
        unknown: "Dieses Chapter gibt es nicht.", busy: "Zu viele Anmeldungen von hier: bitte in einer Minute erneut versuchen.",
        failed: "Bitte prüfen Sie: {fields}." },
  fr: { title: "Visitez {chapter}", intro: "Venez en invité à l'une de nos réunions du matin ({time}, {city}).",
        name: "Votre nom", business: "Votre entreprise", email: "Votre e-mail", meeting: "La réunion à laquelle vous viendrez",
        inviter: "Qui vous a invité ?", nobody: "Personne : je vous ai trouvés moi-même", send: "S'inscrire",
        done: "Merci ! Vous êtes inscrit pour le {date}. Nous vous avons envoyé une confirmation par e-mail.",
        unknown: "Ce chapitre n'existe pas.", busy: "Trop d'inscriptions depuis cet endroit : réessayez dans une minute.",
        failed: "Veuillez vérifier : {fields}." },
  nl: { title: "Bezoek {chapter}", intro: "Kom als gast naar een van onze ontbijtbijeenkomsten ({time}, {city}).",
        name: "Uw naam", business: "Uw bedrijf", email: "Uw e-mailadres", meeting: "De bijeenkomst die u bijwoont",
        inviter: "Wie heeft u uitgenodigd?", nobody: "Niemand: ik vond u zelf", send: "Aanmelden",
        done: "Dank u! U bent aangemeld voor {date}. We stuurden u een bevestiging per e-mail.",
        unknown: "Dit chapter bestaat niet.", busy: "Te veel aanmeldingen vanaf hier: probeer het over een minuut opnieuw.",
        failed: "Controleer: {fields}." },
  es: { title: "Visite {chapter}", intro: "Venga como invitado a una de nuestras reuniones de desayuno ({time}, {city}).",
        name: "Su nombre", business: "Su empresa", email: "Su correo electrónico", meeting: "La reunión a la que asistirá",
        inviter: "¿Quién le invitó?", nobody: "Nadie: les encontré yo", send: "Registrarse",
        done: "¡Gracias! Está registrado para el {date}. Le enviamos una confirmación por correo.",
        unknown: "Este capítulo no existe.", busy: "Demasiados registros desde aquí: inténtelo de nuevo en un minuto.",
        failed: "Revise: {fields}." },
  pl: { title: "Odwiedź {chapter}", intro: "Zapraszamy jako gościa na jedno z naszych spotkań śniadaniowych ({time}, {city}).",
        name: "Imię i nazwisko", business: "Firma", email: "Adres e-mail", meeting: "Spotkanie, na które Pan/Pani przyjdzie",
        inviter: "Kto Pana/Panią zaprosił?", nobody: "Nikt: znalazłem/znalazłam Was sam(a)", send: "Zarejestruj się",
        done: "Dziękujemy! Rejestracja na spotkanie {date} przyjęta. Potwierdzenie wysłaliśmy e-mailem.",
        unknown: "Taki chapter nie istnieje.", busy: "Zbyt wiele rejestracji z tego miejsca: prosimy spróbować za minutę.",
        failed: "Prosimy sprawdzić: {fields}." },
};
const $ = (id) => document.getElementById(id);
const chapterId = decodeURIComponent(location.pathname.split("/")[2] || "");
let words = WORDS.en;
let language = "en";
const say = (key, fields = {}) => words[key].replace(/\{(\w+)\}/g, (_, name) => String(fields[name] ?? ""));

function day(iso) {
  const date = new Date(`${iso}T12:00:00Z`);
  return new Intl.DateTimeFormat(language, { weekday: "long", year: "numeric", month: "long", day: "numeric",
                                             timeZone: "UTC" }).format(date);
}

function option(select, value, text) {
  const item = document.createElement("option");
  item.value = value;
  item.textContent = text;
  select.append(item);
}

function status(text, kind) {
  $("status").textContent = text;
  $("status").className = kind;
}

async function start() {
  const answer = await fetch(`/visit/${encodeURIComponent(chapterId)}/details`);
  if (!answer.ok) { status(say("unknown"), "error"); $("title").textContent = "refnet"; return; }
  const details = await answer.json();
  language = WORDS[details.language] ? details.language : "en";
  words = WORDS[language];
  document.documentElement.lang = language;
  document.title = $("title").textContent = say("title", { chapter: details.chapter_name });
  $("intro").textContent = say("intro", { time: details.meeting_time, city: details.city });
  for (const [id, key] of [["l-name", "name"], ["l-business", "business"], ["l-email", "email"],
                           ["l-meeting", "meeting"], ["l-inviter", "inviter"], ["send", "send"]]) {
    $(id).textContent = say(key);
  }
  for (const meeting of details.meetings) option($("meeting_date"), meeting, `${day(meeting)}, ${details.meeting_time}`);
  option($("invited_by"), "", say("nobody"));
  for (const member of details.members) option($("invited_by"), member.handle, member.name);
  $("form").hidden = false;
}

async function send(event) {
  event.preventDefault();
  const form = $("form");
  const body = Object.fromEntries(new FormData(form).entries());
  body.invited_by = body.invited_by || null;
  $("send").disabled = true;  // one submit at a time; a second one of the same form is recorded once anyway
  try {
    const answer = await fetch(`/visit/${encodeURIComponent(chapterId)}`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body) });
    const result = await answer.json();
    if (answer.ok) {
      form.hidden = true;
      status(say("done", { date: day(result.meeting_date) }), "done");
    } else if (answer.status === 429) {
      status(say("busy"), "error");
    } else if (answer.status === 404) {
      status(say("unknown"), "error");
    } else {
      const fields = Array.isArray(result.detail) ? result.detail.map((d) => d.loc[d.loc.length - 1]) : [];
      status(say("failed", { fields: fields.map((f) => words[f === "meeting_date" ? "meeting" : f === "invited_by" ? "inviter" : f] || f).join(", ") }), "error");
    }
  } finally {
    $("send").disabled = false;
  }
}

$("form").addEventListener("submit", send);
start();
