// A room's unsent message survives a reload and a sign-in: kept in this browser's storage under the
// person, the case and the channel, and dropped once sent. Signing out on purpose drops every draft,
// so the next person at a shared computer does not find them.

const PREFIX = "odr:draft:";

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled: drafts are not kept
  }
}

export function keepDraft(room) {
  const store = storage();
  const field = room.querySelector("[data-composer] textarea");
  if (!store || !field) return;
  const key = `${PREFIX}${room.dataset.me}:${room.dataset.case}:${room.dataset.channel}`;
  const saved = store.getItem(key);
  if (saved && !field.value) field.value = saved;

  const save = () => {
    if (field.value.trim()) store.setItem(key, field.value);
    else store.removeItem(key);
  };
  field.addEventListener("input", save);
  // Sent: the room empties the field after this event; save what is left then.
  field.form.addEventListener("submit", () => window.setTimeout(save, 0));
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) window.setTimeout(save, 0);
  });
  window.addEventListener("pagehide", save);
}

export function forgetDrafts() {
  const store = storage();
  if (!store) return;
  for (const key of Object.keys(store)) {
    if (key.startsWith(PREFIX)) store.removeItem(key);
  }
}
