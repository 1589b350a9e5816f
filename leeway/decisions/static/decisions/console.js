// The agent console and panel: find a customer, pick a gesture, see the zone live, record with Enter.
// Talks to the HTTP API (preview, create) with the session and the CSRF token; the words come
// from the page (json_script), in the member's language. No inline script, no eval.
(() => {
  "use strict";

  const root = document.getElementById("decide");
  if (!root) return;
  const S = JSON.parse(document.getElementById("decide-strings").textContent);
  const cfg = root.dataset;
  const lang = cfg.language || document.documentElement.lang || "en";

  const form = document.getElementById("decide-form");
  const search = document.getElementById("customer-q");
  const listbox = document.getElementById("customer-results");
  const cardSlot = document.getElementById("customer-card");
  const customerStatus = document.getElementById("customer-status");
  const zoneBox = document.getElementById("zone");
  const zoneName = zoneBox.querySelector(".zone-name");
  const zoneWords = zoneBox.querySelector(".zone-words");
  const zoneDetail = zoneBox.querySelector(".zone-detail");
  const reasonsList = document.getElementById("zone-reasons");
  const valueShare = document.getElementById("value-share");
  const justificationField = document.getElementById("field-justification");
  const formError = document.getElementById("form-error");
  const result = document.getElementById("decide-result");
  const budgetSlot = document.getElementById("budget");
  const submitButton = form.querySelector("button[type=submit]");
  const gestureButtons = Array.from(form.querySelectorAll("button[data-gesture]"));
  const fields = form.elements;

  const PREVIEW_DELAY = 250;
  const SEARCH_DELAY = 150;

  // ---------------------------------------------------------------- helpers

  const fmt = (template, values) =>
    template.replace(/%\((\w+)\)s/g, (_m, key) => (key in values ? String(values[key]) : ""));

  const money = (amount, currency) => {
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency }).format(Number(amount));
    } catch (_error) {
      return `${amount} ${currency}`;
    }
  };

  const percent = (ratio) =>
    new Intl.NumberFormat(lang, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ratio);

  const uuid = () => {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };

  const debounce = (fn, delay) => {
    let timer = null;
    const run = (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), delay);
    };
    run.cancel = () => clearTimeout(timer);
    return run;
  };

  const isTextEntry = (element) =>
    element &&
    (element.isContentEditable ||
      element.tagName === "TEXTAREA" ||
      element.tagName === "SELECT" ||
      (element.tagName === "INPUT" && !["button", "submit", "checkbox", "radio", "reset"].includes(element.type)));

  // The agent types amounts in their language's format ("1.234,56" in Spanish); the API takes plain
  // decimal strings ("1234.56"). The same reading as the pages' parser (leeway.core.money): a mark that
  // cannot group thousands (one or two digits after it) is the decimal mark. Anything else goes as typed
  // and the API says what is wrong with it.
  const separators = (() => {
    const parts = new Intl.NumberFormat(lang).formatToParts(12345.6);
    return {
      group: parts.find((part) => part.type === "group")?.value || ",",
      decimal: parts.find((part) => part.type === "decimal")?.value || ".",
    };
  })();
  const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  const normaliseAmount = (text) => {
    const trimmed = text.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
    const sign = /^[-+]/.test(trimmed) ? trimmed[0] : "";
    const body = sign ? trimmed.slice(1) : trimmed;
    const { group, decimal } = separators;
    const fraction = `(?:${escapeRegExp(decimal)}([0-9]+))?`;
    const plain = (whole, cents) => `${sign}${whole}${cents ? `.${cents}` : ""}`;
    // Thousands grouped by threes, with the language's separator or a space (as pasted figures are).
    for (const separator of new Set([group, " ", "\u00a0", "\u202f"])) {
      if (separator === decimal) continue;
      const grouped = new RegExp(`^([0-9]{1,3}(?:${escapeRegExp(separator)}[0-9]{3})+)${fraction}$`).exec(body);
      if (grouped) return plain(grouped[1].split(separator).join(""), grouped[2]);
    }
    const simple = new RegExp(`^([0-9]+)${fraction}$`).exec(body);
    if (simple) return plain(simple[1], simple[2]);
    const other = decimal === "," ? "." : ",";
    const cents = new RegExp(`^([0-9]+)${escapeRegExp(other)}([0-9]{1,2})$`).exec(body);
    if (cents) return plain(cents[1], cents[2]);
    return text;
  };

  // A plain decimal string ("25.00") as the agent's language writes it ("25,00"), without a float.
  const formatAmount = (plain) => {
    const [whole, cents = ""] = String(plain).split(".");
    return `${whole}${separators.decimal}${cents.padEnd(2, "0")}`;
  };

  async function postJSON(url, body, headers = {}) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Accept-Language": lang,
        "X-CSRFToken": cfg.csrf,
        ...headers,
      },
      body: JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_error) {
      data = null;
    }
    return { status: response.status, ok: response.ok, data };
  }

  async function getHTML(url) {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "text/html", "X-Requested-With": "fetch" },
    });
    if (!response.ok) throw new Error(String(response.status));
    return response.text();
  }

  // ---------------------------------------------------------------- field errors

  const errorBox = (field) => document.getElementById(`error-${field}`);
  const controlFor = (field) =>
    ({ customer: search, gesture: gestureButtons[0] })[field] || fields[field] || null;

  function showError(field, message) {
    const box = field ? errorBox(field) : null;
    if (!box) {
      formError.textContent = message;
      formError.hidden = false;
      return formError;
    }
    if (field === "justification") justificationField.hidden = false;
    box.textContent = message;
    box.hidden = false;
    const control = controlFor(field);
    if (control && control.setAttribute) control.setAttribute("aria-invalid", "true");
    box.closest(".field, fieldset")?.classList.add("has-error");
    return control;
  }

  function clearError(field) {
    const box = errorBox(field);
    if (!box) return;
    box.hidden = true;
    box.textContent = "";
    box.closest(".field, fieldset")?.classList.remove("has-error");
    const control = controlFor(field);
    if (control && control.removeAttribute) control.removeAttribute("aria-invalid");
  }

  function clearErrors(except = []) {
    for (const box of root.querySelectorAll(".field-error")) {
      const field = box.id.replace(/^error-/, "");
      if (!except.includes(field)) clearError(field);
    }
    formError.hidden = true;
    formError.textContent = "";
  }

  // ---------------------------------------------------------------- customer search (combobox)

  let activeOption = -1;
  let searchSeq = 0;

  const options = () => Array.from(listbox.querySelectorAll("[data-customer]"));

  function closeList() {
    listbox.hidden = true;
    search.setAttribute("aria-expanded", "false");
    search.removeAttribute("aria-activedescendant");
    activeOption = -1;
  }

  function setActive(index) {
    const items = options();
    if (!items.length) return;
    activeOption = (index + items.length) % items.length;
    items.forEach((item, i) => item.setAttribute("aria-selected", i === activeOption ? "true" : "false"));
    const item = items[activeOption];
    search.setAttribute("aria-activedescendant", item.id);
    item.scrollIntoView({ block: "nearest" });
  }

  const runSearch = debounce(async () => {
    const query = search.value.trim();
    const seq = ++searchSeq;
    if (!query) {
      listbox.innerHTML = "";
      closeList();
      return;
    }
    let html;
    try {
      html = await getHTML(`${cfg.searchUrl}?q=${encodeURIComponent(query)}`);
    } catch (_error) {
      return;
    }
    if (seq !== searchSeq) return; // a newer search is on its way
    listbox.innerHTML = html;
    const count = options().length;
    listbox.hidden = listbox.children.length === 0;
    search.setAttribute("aria-expanded", listbox.hidden ? "false" : "true");
    activeOption = -1;
    if (count) setActive(0);
    customerStatus.textContent =
      count === 0 ? S.results_none : count === 1 ? S.results_one : fmt(S.results_count, { count });
  }, SEARCH_DELAY);

  async function loadCard(externalId, { focusGesture = true } = {}) {
    const html = await getHTML(`${cfg.cardUrl}?customer=${encodeURIComponent(externalId)}`);
    cardSlot.innerHTML = html;
    fields.customer.value = externalId;
    clearError("customer");
    const card = currentCard();
    if (card && focusGesture) {
      customerStatus.textContent = fmt(S.customer_loaded, { name: card.dataset.name });
      const pressed = gestureButtons.find((b) => b.getAttribute("aria-pressed") === "true");
      (pressed || gestureButtons[0] || fields.amount).focus();
    }
    schedulePreview(0);
  }

  async function choose(option) {
    if (!option) return;
    const externalId = option.dataset.customer;
    search.value = option.dataset.label;
    closeList();
    try {
      await loadCard(externalId);
    } catch (_error) {
      showError("customer", S.network_error);
    }
  }

  search.addEventListener("input", () => {
    fields.customer.value = "";
    runSearch();
  });
  search.addEventListener("keydown", (event) => {
    const open = !listbox.hidden && options().length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (open) setActive(activeOption + 1);
      else runSearch();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (open) setActive(activeOption - 1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (open) choose(options()[Math.max(activeOption, 0)]);
    } else if (event.key === "Escape") {
      if (open) {
        event.preventDefault();
        closeList();
      }
    }
  });
  search.addEventListener("blur", () => setTimeout(closeList, 150));
  listbox.addEventListener("mousedown", (event) => {
    const option = event.target.closest("[data-customer]");
    if (option) {
      event.preventDefault();
      choose(option);
    }
  });

  const currentCard = () => cardSlot.querySelector(".customer-card");

  // ---------------------------------------------------------------- gestures

  function pickGesture(button, { focus = true } = {}) {
    for (const other of gestureButtons) other.setAttribute("aria-pressed", other === button ? "true" : "false");
    fields.gesture.value = button.dataset.gesture;
    const zeroCost = button.dataset.zeroCost === "true";
    fields.amount.value = formatAmount(button.dataset.default);
    fields.amount.readOnly = zeroCost;
    clearError("gesture");
    clearError("amount");
    if (focus) {
      if (zeroCost) fields.reason.focus();
      else {
        fields.amount.focus();
        fields.amount.select();
      }
    }
    schedulePreview(0);
  }

  for (const button of gestureButtons) button.addEventListener("click", () => pickGesture(button));

  const shortcuts = new Map(gestureButtons.filter((b) => b.dataset.shortcut).map((b) => [b.dataset.shortcut.toLowerCase(), b]));

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (isTextEntry(event.target)) return;
    if (event.key === "/") {
      event.preventDefault();
      search.focus();
      search.select();
      return;
    }
    const button = shortcuts.get(event.key.toLowerCase());
    if (button) {
      event.preventDefault();
      pickGesture(button);
    }
  });

  // ---------------------------------------------------------------- live zone

  let previewSeq = 0;
  let lastPreview = null;

  function body() {
    const data = {
      customer: fields.customer.value,
      gesture: fields.gesture.value,
      amount: normaliseAmount(fields.amount.value),
      currency: fields.currency.value,
      reason: fields.reason.value,
      note: fields.note.value,
      justification: justificationField.hidden ? "" : fields.justification.value,
      interaction_ref: fields.interaction_ref.value,
    };
    return data;
  }

  function setZone(zone, words, detail, name) {
    zoneBox.className = `zone zone-${zone}`;
    zoneName.textContent = name || "";
    zoneWords.textContent = words;
    zoneDetail.textContent = detail || "";
  }

  function resetZone() {
    lastPreview = null;
    setZone("none", S.zone_none, "");
    reasonsList.replaceChildren();
    valueShare.hidden = true;
    justificationField.hidden = true;
  }

  function reasonItem(reason) {
    const item = document.createElement("li");
    item.className = reason.ok ? "reason-ok" : "reason-failed";
    const mark = document.createElement("span");
    mark.className = "reason-mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = reason.ok ? "✓" : "✕";
    const state = document.createElement("span");
    state.className = "visually-hidden";
    state.textContent = `${reason.ok ? S.reason_ok : S.reason_failed}: `;
    item.append(mark, state, document.createTextNode(reason.message));
    return item;
  }

  // What matters in the minute: the limits, the customer's caps, the agent's own budget and anything
  // that failed. Budgets further up (team, department, company) that pass fold away.
  function renderReasons(reasons) {
    const firstBudget = reasons.findIndex((reason) => reason.code === "budget");
    const shown = [];
    const folded = [];
    reasons.forEach((reason, index) => {
      const important = !reason.ok || reason.code !== "budget" || index === firstBudget;
      (important ? shown : folded).push(reason);
    });
    const items = shown.map(reasonItem);
    if (folded.length) {
      const item = document.createElement("li");
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = folded.length === 1 ? S.more_checks_one : fmt(S.more_checks, { count: folded.length });
      const list = document.createElement("ul");
      list.append(...folded.map(reasonItem));
      details.append(summary, list);
      item.append(details);
      items.push(item);
    }
    reasonsList.replaceChildren(...items);
  }

  function renderValueShare(preview) {
    const card = currentCard();
    const clv = card ? Number(card.dataset.clv) : NaN;
    const base = Number(preview.base_amount);
    if (!card || !card.dataset.clv || !(clv > 0) || !(base > 0)) {
      valueShare.hidden = true;
      return;
    }
    valueShare.textContent = fmt(S.value_share, {
      amount: money(preview.base_amount, preview.base_currency),
      percent: percent(base / clv),
      value: money(card.dataset.clv, card.dataset.currency || preview.base_currency),
    });
    valueShare.hidden = false;
  }

  function renderPreview(preview) {
    lastPreview = preview;
    const version = preview.policy_version;
    if (preview.zone === "green") {
      setZone("green", fmt(S.zone_green, { version }), S.zone_green_detail, S.zone_name_green);
    } else if (preview.zone === "amber") {
      setZone("amber", S.zone_amber, fmt(S.zone_amber_detail, { version }), S.zone_name_amber);
    } else {
      setZone("red", fmt(S.zone_red, { minutes: preview.response_minutes ?? "?" }), S.zone_red_detail, S.zone_name_red);
    }
    justificationField.hidden = !preview.needs_justification;
    reasonsList.classList.toggle("in-amber", preview.zone === "amber");
    renderReasons(preview.reasons || []);
    renderValueShare(preview);
  }

  const PREVIEW_FIELDS = ["customer", "gesture", "amount", "currency"];

  async function preview() {
    const data = body();
    if (!data.customer || !data.gesture || !data.amount) {
      previewSeq++;
      resetZone();
      return;
    }
    const seq = ++previewSeq;
    zoneBox.classList.add("zone-busy");
    let answer;
    try {
      answer = await postJSON(cfg.previewUrl, data);
    } catch (_error) {
      if (seq === previewSeq) zoneBox.classList.remove("zone-busy");
      return;
    }
    if (seq !== previewSeq) return; // the agent typed on: a newer preview answers
    zoneBox.classList.remove("zone-busy");
    for (const field of PREVIEW_FIELDS) clearError(field);
    if (answer.ok && answer.data) {
      renderPreview(answer.data);
    } else if (answer.data && answer.data.error) {
      resetZone();
      const { field, message } = answer.data.error;
      if (field && PREVIEW_FIELDS.includes(field)) showError(field, message);
      else setZone("none", message, "");
    }
  }

  const schedulePreviewDebounced = debounce(preview, PREVIEW_DELAY);
  function schedulePreview(delay = PREVIEW_DELAY) {
    if (delay === 0) {
      schedulePreviewDebounced.cancel();
      preview();
    } else schedulePreviewDebounced();
  }

  fields.amount.addEventListener("input", () => {
    clearError("amount");
    schedulePreview();
  });
  fields.currency.addEventListener("change", () => {
    clearError("currency");
    schedulePreview(0);
  });
  for (const name of ["reason", "note", "justification", "interaction_ref"]) {
    fields[name].addEventListener("input", () => clearError(name));
    fields[name].addEventListener("change", () => clearError(name));
  }

  // ---------------------------------------------------------------- submit

  let attempt = null; // {body, key}: a retry of the same submission reuses its Idempotency-Key
  let busy = false;

  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing) return;
    const target = event.target;
    if (target.tagName === "TEXTAREA" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    } else if (target.tagName === "SELECT") {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  function checkLocally(data) {
    if (!data.customer) return ["customer", S.need_customer];
    if (!data.gesture) return ["gesture", S.need_gesture];
    if (!data.amount) return ["amount", S.need_amount];
    return null;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    const data = body();
    const problem = checkLocally(data);
    if (problem) {
      const control = showError(...problem);
      control?.focus();
      return;
    }
    const text = JSON.stringify(data);
    if (!attempt || attempt.body !== text) attempt = { body: text, key: uuid() };
    busy = true;
    submitButton.disabled = true;
    submitButton.setAttribute("aria-busy", "true");
    let answer;
    try {
      answer = await postJSON(cfg.createUrl, data, { "Idempotency-Key": attempt.key });
    } catch (_error) {
      answer = null;
    }
    busy = false;
    submitButton.disabled = false;
    submitButton.removeAttribute("aria-busy");
    if (answer === null || answer.status >= 500) {
      showError(null, answer === null ? S.network_error : S.server_error);
      submitButton.focus();
      return;
    }
    if (!answer.ok) {
      const error = (answer.data && answer.data.error) || { message: S.server_error, field: null };
      const control = showError(error.field, error.message);
      (control && control.focus ? control : formError).focus?.();
      return;
    }
    attempt = null;
    showResult(answer.data);
    resetForm();
    refreshAfterDecision(answer.data);
  });

  const answerIcons = document.getElementById("answer-icons");

  function iconFor(name) {
    const icon = answerIcons?.content.querySelector(`.icon-${name}`) || zoneBox.querySelector(`.icon-${name}`);
    return icon ? icon.cloneNode(true) : null;
  }

  // One result box: an icon, a bold title, what it was, the plain-words lines, and links.
  function resultBox({ id, zone, icon, title, what, lines }) {
    const wrapper = document.createElement("div");
    wrapper.className = `result zone zone-${zone}`;
    wrapper.dataset.decision = id;
    const iconBox = document.createElement("span");
    iconBox.className = "zone-icon";
    const svg = iconFor(icon);
    if (svg) iconBox.append(svg);
    const text = document.createElement("div");
    text.className = "zone-text";
    const heading = document.createElement("p");
    heading.className = "result-title";
    heading.append(Object.assign(document.createElement("strong"), { textContent: title }));
    const whatLine = Object.assign(document.createElement("p"), { className: "result-what", textContent: what });
    text.append(heading, whatLine, ...lines.map((line) => Object.assign(document.createElement("p"), { textContent: line })));
    const link = document.createElement("a");
    link.href = cfg.detailUrl.replace("00000000-0000-0000-0000-000000000000", encodeURIComponent(id));
    link.textContent = S.open_decision;
    const mine = Object.assign(document.createElement("a"), { href: cfg.mineUrl, textContent: S.my_decisions });
    const hint = document.createElement("p");
    hint.className = "result-hint";
    hint.append(link, document.createTextNode(" · "), mine);
    text.append(hint);
    wrapper.append(iconBox, text);
    return { wrapper, hint };
  }

  function showResult(decision) {
    const approved = decision.status === "approved";
    const lines = [];
    let title;
    if (approved) {
      title = fmt(S.approved_title, { version: decision.policy_version });
      // A no-cost gesture charges no budget: the confirmation must not say it does.
      lines.push(Number(decision.base_amount) === 0 ? S.approved_free_body : S.approved_body);
      if (decision.zone === "amber") lines.push(S.amber_body);
    } else if (decision.status === "declined") {
      title = S.declined_title;
    } else {
      title = S.red_title;
      const minutes =
        decision.due_at && decision.created_at
          ? Math.max(1, Math.round((Date.parse(decision.due_at) - Date.parse(decision.created_at)) / 60000))
          : lastPreview?.response_minutes ?? "?";
      lines.push(fmt(S.red_body, { minutes }));
    }
    const gestureName = gestureButtons.find((b) => b.dataset.gesture === decision.gesture)?.querySelector(".gesture-name")?.textContent;
    const customerName = currentCard()?.dataset.name || decision.customer;
    const { wrapper, hint } = resultBox({
      id: decision.id,
      zone: decision.zone,
      icon: approved ? (decision.zone === "amber" ? "amber" : "green") : "red",
      title,
      what: [gestureName || decision.gesture, money(decision.amount, decision.currency), customerName].join(" · "),
      lines,
    });
    hint.append(document.createTextNode(` · ${S.next_hint}`));
    result.replaceChildren(wrapper);
    result.focus();
    if (decision.status === "pending") watch(decision.id);
  }

  // ---------------------------------------------------------------- the lead's answer
  // Requests this tab sent (kept across reloads in sessionStorage) and those the page says are open are
  // asked about every few seconds until a lead, a manager or the timeout has answered them.

  const answers = document.getElementById("answers");
  const WATCH_KEY = "leeway.watching";
  const POLL_VISIBLE = 3000;
  const POLL_HIDDEN = 15000;
  const watching = new Set();
  let pollTimer = null;
  let polling = false;

  function saveWatching() {
    try {
      sessionStorage.setItem(WATCH_KEY, JSON.stringify([...watching]));
    } catch (_error) {
      /* private mode: the page's own list of open requests still works */
    }
  }

  function loadWatching() {
    try {
      for (const id of JSON.parse(sessionStorage.getItem(WATCH_KEY) || "[]")) watching.add(String(id));
    } catch (_error) {
      /* nothing kept */
    }
    try {
      for (const id of JSON.parse(document.getElementById("decide-pending")?.textContent || "[]")) watching.add(id);
    } catch (_error) {
      /* no list on the page */
    }
  }

  function schedulePoll(delay) {
    clearTimeout(pollTimer);
    if (!watching.size) return;
    pollTimer = setTimeout(pollAnswers, delay ?? (document.hidden ? POLL_HIDDEN : POLL_VISIBLE));
  }

  function watch(id) {
    watching.add(id);
    saveWatching();
    schedulePoll();
  }

  function answerBox(answer) {
    const approved = answer.status === "approved";
    return resultBox({
      id: answer.id,
      zone: approved ? "green" : answer.pending ? "red" : "none",
      icon: approved ? "green" : answer.pending ? "red" : "declined",
      title: answer.title,
      what: [answer.gesture, money(answer.amount, answer.currency), answer.customer].join(" · "),
      lines: answer.lines,
    });
  }

  function showAnswer(answer) {
    const shown = result.querySelector(".result");
    if (shown && shown.dataset.decision === answer.id) {
      // The agent is still looking at that request: its box becomes the answer.
      result.replaceChildren(answerBox(answer).wrapper);
    } else {
      const { wrapper } = answerBox(answer);
      wrapper.classList.add("answer");
      const close = Object.assign(document.createElement("button"), {
        type: "button",
        className: "button small answer-dismiss",
        textContent: S.dismiss,
      });
      close.addEventListener("click", () => wrapper.remove());
      wrapper.append(close);
      answers.prepend(wrapper);
    }
    refreshAfterDecision({ customer: fields.customer.value });
  }

  function showEscalation(answer) {
    const shown = result.querySelector(".result");
    if (!shown || shown.dataset.decision !== answer.id || shown.dataset.escalated === "true") return;
    const { wrapper } = answerBox(answer);
    wrapper.dataset.escalated = "true";
    result.replaceChildren(wrapper);
  }

  async function pollAnswers() {
    if (polling || !watching.size) return;
    polling = true;
    let data = null;
    try {
      const ids = [...watching].map(encodeURIComponent).join(",");
      const response = await fetch(`${cfg.requestsUrl}?ids=${ids}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Requested-With": "fetch" },
      });
      if (response.ok) data = await response.json();
    } catch (_error) {
      data = null; // offline or logged out: try again at the next round
    }
    polling = false;
    if (data && Array.isArray(data.requests)) {
      const known = new Set();
      for (const answer of data.requests) {
        known.add(answer.id);
        if (answer.pending) {
          if (answer.escalated) showEscalation(answer);
          continue;
        }
        watching.delete(answer.id);
        showAnswer(answer);
      }
      for (const id of [...watching]) if (!known.has(id)) watching.delete(id);
      saveWatching();
    }
    schedulePoll();
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) schedulePoll(0);
  });

  function resetForm() {
    for (const button of gestureButtons) button.setAttribute("aria-pressed", "false");
    fields.gesture.value = "";
    fields.amount.value = "";
    fields.amount.readOnly = false;
    fields.reason.value = "";
    fields.note.value = "";
    fields.justification.value = "";
    previewSeq++;
    resetZone();
  }

  async function refreshAfterDecision(decision) {
    try {
      budgetSlot.innerHTML = await getHTML(cfg.budgetUrl);
    } catch (_error) {
      /* the next decision refreshes it */
    }
    const customer = fields.customer.value || decision.customer;
    if (customer) {
      try {
        cardSlot.innerHTML = await getHTML(`${cfg.cardUrl}?customer=${encodeURIComponent(customer)}`);
      } catch (_error) {
        /* keep the old card */
      }
    }
  }

  // ---------------------------------------------------------------- start

  loadWatching();
  saveWatching();
  schedulePoll(0);
  root.classList.add("decide-ready");
  if (fields.customer.value && gestureButtons.length) {
    gestureButtons[0].focus();
  }
})();
