// Progressive enhancements; every page works without them.
import { startRoom } from "./room.js";

document.documentElement.classList.add("js");

// A refused form that posted to an address of its own shows the page's address instead.
const pageUrl = document.querySelector('meta[name="page-url"]');
if (pageUrl && window.history.replaceState) {
  window.history.replaceState(window.history.state, "", pageUrl.content + window.location.hash);
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches("select[data-autosubmit]") && field.form) {
    field.form.requestSubmit();
  }
});

document.addEventListener("DOMContentLoaded", () => {
  const room = document.querySelector("[data-room]");
  if (room) {
    startRoom(room);
  }
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
import "./documents.js";
