// The warning before an idle sign-out (WCAG 2.2.1, timing adjustable): two minutes ahead, a dialog
// offers to stay signed in. The server decides: before warning and before leaving, the page asks it
// how long is left, since other tabs and the room's live connection count as activity too.

const CHECK_WHILE_SHOWN_MS = 15_000;

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export function startSessionTimeout(dialog) {
  const stateUrl = dialog.dataset.stateUrl;
  const warnMs = Number(dialog.dataset.warn) * 1000;
  const text = dialog.querySelector("[data-session-text]");
  const countdown = dialog.querySelector("[data-session-countdown]");
  const error = dialog.querySelector("[data-session-error]");
  const stay = dialog.querySelector("[data-session-stay]");
  const clock = new Intl.DateTimeFormat(dialog.dataset.locale || undefined, { timeStyle: "short" });
  let deadline = Date.now() + Number(dialog.dataset.expiresIn) * 1000;
  let timer = null;
  let ticker = null;
  let returnFocus = null;

  async function ask(method) {
    const response = await fetch(stateUrl, {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    });
    if (!response.ok) throw new Error(`session state: HTTP ${response.status}`);
    return response.json();
  }

  function schedule(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(0, ms));
  }

  function leave() {
    window.location.assign(dialog.dataset.signInUrl);
  }

  function renderCountdown() {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    countdown.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
  }

  function show(limitReached) {
    const template = limitReached ? dialog.dataset.textLimit : dialog.dataset.textIdle;
    text.textContent = template.replace("{time}", clock.format(new Date(deadline)));
    stay.hidden = limitReached;
    renderCountdown();
    if (!dialog.open) {
      returnFocus = document.activeElement;
      error.hidden = true;
      dialog.showModal();
      (limitReached ? dialog.querySelector("button:not([hidden])") : stay).focus();
      ticker = window.setInterval(renderCountdown, 1_000);
    }
  }

  function hide() {
    if (!dialog.open) return;
    window.clearInterval(ticker);
    dialog.close();
    if (returnFocus && returnFocus.isConnected) returnFocus.focus();
  }

  function apply(state, { limitReached = false } = {}) {
    if (!state.signed_in) {
      leave();
      return;
    }
    deadline = Date.now() + state.expires_in * 1000;
    const left = deadline - Date.now();
    if (left > warnMs) {
      hide();
      schedule(left - warnMs);
    } else {
      show(limitReached);
      schedule(Math.min(left + 1_000, CHECK_WHILE_SHOWN_MS));
    }
  }

  async function check() {
    try {
      apply(await ask("GET"), { limitReached: stay.hidden });
    } catch {
      // The server cannot be reached: keep to the last deadline it gave.
      const left = deadline - Date.now();
      if (left <= 0) leave();
      else if (left <= warnMs) show(stay.hidden);
      schedule(Math.min(Math.max(left, 1_000), CHECK_WHILE_SHOWN_MS));
    }
  }

  async function extend() {
    error.hidden = true;
    try {
      const state = await ask("POST");
      // Still within the warning after staying: the sign-in's absolute limit, which nothing extends.
      apply(state, { limitReached: state.signed_in && state.expires_in * 1000 <= warnMs });
    } catch {
      error.hidden = false;
    }
  }

  stay.addEventListener("click", extend);
  dialog.addEventListener("cancel", (event) => {
    // Escape is a way to say "I am still here", like the button.
    event.preventDefault();
    if (!stay.hidden) extend();
  });
  schedule(deadline - warnMs - Date.now());
}
