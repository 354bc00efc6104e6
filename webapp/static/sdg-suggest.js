// SDG suggestions as an editor types: the edit form's text goes to the suggester's JSON endpoint and the
// suggestions (with the words behind them) replace the list beside the SDG choices.  Accepting or rejecting
// is the form's own radio buttons, applied on save; without this script the "Suggest SDGs" button does the
// same round trip as a page.
const box = document.getElementById("sdg-suggestions");

function formText(form) {
  // The same choice as the server's (graph/sdgs/review.py text_of): the original language's texts, else the
  // language with the most text, with the language-neutral names.
  const byLang = new Map();
  const neutral = [];
  for (const input of form.querySelectorAll("[data-sdg-text]")) {
    const value = input.value.trim();
    if (!value) continue;
    const lang = input.dataset.sdgText;
    if (!lang) neutral.push(value);
    else byLang.set(lang, [...(byLang.get(lang) || []), value]);
  }
  const original = form.querySelector("[name=original_lang]");
  let lang = original && byLang.has(original.value) ? original.value : null;
  if (!lang) {
    let most = -1;
    for (const [code, texts] of byLang) {
      const size = texts.join("").length;
      if (size > most) [lang, most] = [code, size];
    }
  }
  return { text: [...neutral, ...(byLang.get(lang) || [])].join("\n"), lang: lang || "" };
}

function item(suggestion, chosen) {
  const li = document.createElement("li");
  const label = document.createElement("span");
  label.className = "sdg-suggestion-label";
  label.textContent = suggestion.label;
  const why = document.createElement("span");
  why.className = "hint";
  why.textContent = ` (${box.dataset.because.replace("%(words)s", suggestion.evidence.join(", "))}) `;
  const verdict = document.createElement("span");
  verdict.className = "sdg-verdict";
  for (const [value, text] of [["accept", box.dataset.accept], ["reject", box.dataset.reject]]) {
    const wrap = document.createElement("label");
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = `verdict-${suggestion.id}`;
    radio.value = value;
    radio.checked = chosen.get(suggestion.id) === value;
    wrap.append(radio, ` ${text} `);
    verdict.append(wrap);
  }
  li.append(label, why, verdict);
  return li;
}

function show(list, data) {
  // Keep what the editor already chose for suggestions that are still offered.
  const chosen = new Map();
  for (const radio of list.querySelectorAll("input[type=radio]:checked")) {
    chosen.set(radio.name.replace(/^verdict-/, ""), radio.value);
  }
  list.replaceChildren();
  let any = false;
  for (const group of ["goals", "targets"]) {
    if (!data[group].length) continue;
    any = true;
    const ul = document.createElement("ul");
    ul.className = `sdg-suggestion-${group}`;
    for (const suggestion of data[group]) ul.append(item(suggestion, chosen));
    list.append(ul);
  }
  if (!any) {
    const none = document.createElement("p");
    none.className = "sdg-suggestion-none";
    none.textContent = box.dataset.none;
    list.append(none);
  }
}

function attach() {
  const form = box.closest("form");
  const list = box.querySelector(".sdg-suggestion-list");
  let timer = null;
  let asked = 0;
  let last = null;

  async function ask() {
    const { text, lang } = formText(form);
    if (text === last) return;
    last = text;
    const body = new FormData();
    body.set("csrf_token", form.querySelector("[name=csrf_token]").value);
    body.set("text", text);
    body.set("text_lang", lang);
    body.set("node", box.dataset.node);
    const mine = ++asked;
    try {
      const response = await fetch(box.dataset.suggestUrl, {
        method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok || mine !== asked) return;
      show(list, await response.json());
    } catch (_) {
      // Offline or refused: the list stays as it was and the button still works.
    }
  }

  form.addEventListener("input", (event) => {
    if (!event.target.matches("[data-sdg-text], [name=original_lang]")) return;
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  });
}

if (box) attach();
