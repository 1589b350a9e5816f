// The lead's queue: htmx polls it every few seconds; this keeps a lead's typing and focus safe.
(() => {
  "use strict";
  const live = () => document.getElementById("queue-live");

  // A poll must not wipe a note or reason the lead is typing: skip that refresh, the next one comes soon.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const container = live();
    if (!container || event.detail.target !== container) return;
    if (event.detail.requestConfig?.verb !== "get") return;
    const typing = Array.from(container.querySelectorAll("input[type=text]")).some((input) => input.value.trim() !== "");
    if (typing) event.detail.shouldSwap = false;
  });

  // After an answer, the row is gone: move focus to the next request, or to the message.
  document.addEventListener("htmx:afterSettle", (event) => {
    const container = live();
    if (!container || event.detail.target !== container) return;
    if (event.detail.requestConfig?.verb !== "post") return;
    const next = container.querySelector(".request input[type=text]");
    const status = document.getElementById("queue-status");
    (next || status)?.focus();
  });
})();
