// Building the page with DOM calls (never innerHTML with data: names and notes are the members' own text).

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let fieldIds = 0;

// A labelled input (every input has a label; hints are tied with aria-describedby).
export function field(label, input, hint) {
  fieldIds += 1;
  const id = input.id || `f${fieldIds}`;
  input.id = id;
  const parts = [h('label', { for: id }, label), input];
  if (hint) {
    const hintId = `${id}-hint`;
    input.setAttribute('aria-describedby', hintId);
    parts.push(h('p', { class: 'hint', id: hintId }, hint));
  }
  return h('div', { class: 'field' }, parts);
}

// A group of choices as radio buttons in a fieldset with a legend (the visible buttons are the labels).
export function choices(legend, name, options, selected, onChange) {
  return h('fieldset', { class: 'choices' }, h('legend', {}, legend),
    h('div', { class: 'choice-row' }, options.map(([value, text]) => {
      fieldIds += 1;
      const id = `${name}-${fieldIds}`;
      const radio = h('input', { type: 'radio', name, id, value, checked: value === selected,
        onchange: () => onChange && onChange(value) });
      return h('span', { class: 'choice' }, radio, h('label', { for: id }, text));
    })));
}

export function message(main, text, kind = 'ok') {
  const old = main.querySelector('.message');
  if (old) old.remove();
  const el = h('p', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    kind === 'error' ? '⚠ ' : '✓ ', text);
  main.prepend(el);
  return el;
}

export function todayIn(timezone) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

export function detailText(detail) {
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).filter((p) => p !== 'body').join('.')}: ${d.msg}`).join('; ');
  }
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}
