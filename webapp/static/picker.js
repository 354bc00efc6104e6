// Node pickers: as an editor types, suggest nodes of the kinds the chosen relationship allows.
// It asks the search page's JSON twin; without this script the field takes an id or a unique name.
(function () {
  "use strict";

  function allowedKinds(scope, input) {
    if (input.dataset.pickerKinds) return input.dataset.pickerKinds.split(" ");
    const select = scope.querySelector("select[data-relations]");
    if (!select) return null;
    const relations = JSON.parse(select.dataset.relations);
    const chosen = relations.find((r) => r.value === select.value);
    return chosen ? chosen.kinds : null;
  }

  function attach(input) {
    // A form may hold several pickers (a new node's first link and one more): each has its own part.
    const scope = input.closest(".picker") || input.form;
    const list = scope.querySelector(".picker-results");
    let timer = null;
    let asked = 0;
    const multiple = "pickerMultiple" in input.dataset;

    function show(results) {
      list.replaceChildren();
      for (const hit of results) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `${hit.label} (${hit.kind_label}${hit.summary ? " · " + hit.summary : ""})`;
        button.addEventListener("click", () => {
          // A field of several (an account's municipalities) takes names: the pick replaces the last one.
          if (multiple) {
            const earlier = input.value.split(",").slice(0, -1).map((s) => s.trim()).filter(Boolean);
            input.value = [...earlier, hit.label].join(", ") + ", ";
          } else {
            input.value = hit.id;
          }
          list.replaceChildren();
          input.focus();
        });
        item.appendChild(button);
        list.appendChild(item);
      }
    }

    async function ask() {
      const words = (multiple ? input.value.split(",").pop() : input.value).trim();
      if (words.length < 2 || words.includes(":")) {
        list.replaceChildren();
        return;
      }
      const kinds = allowedKinds(scope, input);
      const url = new URL(input.dataset.picker, window.location.href);
      url.searchParams.set("q", words);
      if (kinds && kinds.length === 1) url.searchParams.set("kind", kinds[0]);
      const mine = ++asked;
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (!response.ok || mine !== asked) return;
        const data = await response.json();
        show(data.results.filter((r) => !kinds || kinds.includes(r.kind)).slice(0, 8));
      } catch (_) {
        list.replaceChildren();
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 250);
    });
  }

  document.querySelectorAll("input[data-picker]").forEach(attach);
})();
