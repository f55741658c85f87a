// Progressive enhancements; every page works without them.
import { forgetDrafts, keepDraft } from "./drafts.js";
import { startRoom } from "./room.js";
import { startSessionTimeout } from "./session.js";
import { watchTables } from "./tables.js";

document.documentElement.classList.add("js");

// A refused form that posted to an address of its own shows the page's address instead.
const pageUrl = document.querySelector('meta[name="page-url"]');
if (pageUrl && window.history.replaceState) {
  window.history.replaceState(window.history.state, "", pageUrl.content + window.location.hash);
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  // A script that took the submission over (the room's, over its socket) has asked already.
  if (question && !event.defaultPrevented && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.matches("[data-sign-out]")) {
    forgetDrafts();
  }
});

document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("select[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});

document.addEventListener("DOMContentLoaded", () => {
  watchTables();
  const room = document.querySelector("[data-room]");
  if (room) {
    keepDraft(room);
    startRoom(room);
  }
  const timeout = document.querySelector("[data-session-timeout]");
  if (timeout) {
    startSessionTimeout(timeout);
  }
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
import "./documents.js";
