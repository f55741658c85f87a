// The case room, live: joins the case over Socket.IO, shows new messages as they come, and after
// any interruption asks the server for everything after the last sequence number it saw, so
// nothing is lost and nothing is shown twice. The page works without this script (forms post).
import { io } from "socket.io-client";
import { randomId } from "./random.js";

const HEARTBEAT_MS = 30_000;
const TYPING_EVERY_MS = 3_000;
const TYPING_SHOWN_MS = 5_000;
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = ".,;:!?)]}'\"";

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => (key in values ? String(values[key]) : ""));
}

// Text with its web addresses as links, built as DOM nodes: a message is never parsed as HTML.
function linkified(text) {
  const fragment = document.createDocumentFragment();
  let position = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    while (url && TRAILING.includes(url[url.length - 1])) url = url.slice(0, -1);
    fragment.append(document.createTextNode(text.slice(position, match.index)));
    const link = document.createElement("a");
    link.href = url;
    link.rel = "noopener noreferrer nofollow";
    link.target = "_blank";
    link.textContent = url;
    fragment.append(link);
    position = match.index + url.length;
  }
  fragment.append(document.createTextNode(text.slice(position)));
  return fragment;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function startRoom(root) {
  const config = JSON.parse(root.querySelector("[data-room-config]").textContent);
  const text = config.text;
  const caseId = root.dataset.case;
  const me = root.dataset.me;
  const channel = root.dataset.channel;
  const moderator = root.dataset.moderator === "true";
  const retractMs = Number(root.dataset.retractMinutes) * 60_000;
  const list = root.querySelector("[data-messages]");
  const composer = root.querySelector("[data-composer]");
  const field = composer ? composer.querySelector("textarea") : null;
  const composerError = root.querySelector("[data-composer-error]");
  const banner = root.querySelector("[data-reconnecting]");
  const modeNotice = root.querySelector("[data-mode]");
  const typingLine = root.querySelector("[data-typing]");
  const presentList = root.querySelector("[data-present]");
  const announcer = root.querySelector("[data-announcer]");
  const timeFormat = new Intl.DateTimeFormat(root.dataset.locale, {
    // As the server writes a moment (odr.platform.i18n.when): the medium date and the short time,
    // in the page's locale (English as in Britain) and the tenant's time zone.
    dateStyle: "medium", timeStyle: "short", timeZone: root.dataset.timeZone,
  });

  let cursor = Number(root.dataset.lastSeq);
  const seen = new Set(Array.from(list.querySelectorAll("[data-seq]"), (li) => Number(li.dataset.seq)));
  const pending = new Map(); // client id -> {text, node}: written, not yet acknowledged
  let joined = false;
  let syncing = null;
  let syncAgain = false;
  let lastTyping = 0;
  const typists = new Map();

  const socket = io("/rooms", { transports: ["websocket", "polling"], withCredentials: true });

  function emit(event, data) {
    return new Promise((resolve) => {
      socket.timeout(15_000).emit(event, { case: caseId, ...data }, (err, ack) => {
        resolve(err ? { error: { code: "timeout", message: text.failed } } : ack);
      });
    });
  }

  function announce(message) {
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = message; }, 50);
  }

  function scrollToEnd() {
    list.lastElementChild?.scrollIntoView({ block: "end", behavior: "smooth" });
  }

  // Rendering -------------------------------------------------------------------------------------

  // A recorded label names the role by its code ("Nils Northwind (insurer_agent)"): shown, the code
  // becomes the role's word in the reader's language, as the server's readable_label does.
  function readableLabel(label) {
    return (label || "").replace(/ \(([a-z_]+)\)(?=,|$)/, (whole, code) => (
      config.roles[code] ? ` (${config.roles[code]})` : whole));
  }

  function actionForm(kind, seq, messageChannel) {
    const form = element("form");
    form.method = "post";
    form.action = kind === "retract" ? config.retractUrl : config.carryUrl;
    if (kind === "retract") form.dataset.confirm = text.takeBackConfirm;
    form.dataset.roomAction = kind;
    if (kind === "carry") form.className = "carry";
    const csrf = element("input");
    Object.assign(csrf, { type: "hidden", name: "csrf_token", value: config.csrf });
    const seqField = element("input");
    Object.assign(seqField, { type: "hidden", name: "seq", value: String(seq) });
    form.append(csrf, seqField);
    if (kind === "carry") {
      const targets = config.visible.filter((c) => c !== messageChannel && c !== "staff");
      if (!targets.length) return null;
      const label = element("label", "visually-hidden", text.carryTo);
      label.htmlFor = `carry-${seq}`;
      const select = element("select");
      select.id = `carry-${seq}`;
      select.name = "to";
      for (const target of targets) {
        const option = element("option", null, config.channels[target] || target);
        option.value = target;
        select.append(option);
      }
      form.append(label, select);
    }
    const button = element("button", "button button--quiet button--small", kind === "retract" ? text.takeBack : text.carry);
    button.type = "submit";
    form.append(button);
    return form;
  }

  function messageNode(event) {
    const message = event.message;
    const mine = event.actor.id === me;
    const li = element("li", "message");
    if (mine) li.classList.add("message--mine");
    li.id = `m-${event.seq}`;
    li.dataset.seq = String(event.seq);
    const meta = element("p", "message__meta");
    meta.append(element("strong", "message__author", mine ? text.you : event.actor.name));
    if (!mine) {
      meta.append(" ", element("span", "message__role", `(${config.roles[event.actor.role] || ""})`));
    }
    const time = element("time", null, timeFormat.format(new Date(event.at)));
    time.dateTime = event.at;
    meta.append(" · ", time);
    li.append(meta);
    if (message.carried_from) {
      li.append(element("p", "message__carried", format(text.carried, {
        channel: config.channels[message.carried_from] || "", author: readableLabel(message.original_author),
      })));
    }
    const body = element("p", "message__text");
    if (message.retracted) {
      li.classList.add("message--retracted");
      body.classList.add("message__text--retracted");
      body.textContent = text.retracted;
    } else {
      body.append(linkified(message.text));
    }
    li.append(body);
    if (!message.retracted) {
      const actions = element("div", "message__actions");
      if (mine && Date.now() - new Date(event.at).getTime() < retractMs) actions.append(actionForm("retract", event.seq));
      if (moderator && event.channel !== "staff") {
        const carry = actionForm("carry", event.seq, event.channel);
        if (carry) actions.append(carry);
      }
      if (actions.childElementCount) li.append(actions);
    }
    return li;
  }

  function noticeNode(event) {
    const li = element("li", "message message--system");
    li.id = `m-${event.seq}`;
    li.dataset.seq = String(event.seq);
    li.append(element("p", "message__system", event.title));
    if (event.detail) li.append(element("p", "message__detail", event.detail));
    const meta = element("p", "message__meta");
    const time = element("time", null, timeFormat.format(new Date(event.at)));
    time.dateTime = event.at;
    meta.append(time, ` · ${event.actor.name}`);
    li.append(meta);
    return li;
  }

  function insert(node, seq) {
    root.querySelector("[data-empty]")?.remove();
    // Keep the conversation in sequence order even if two broadcasts crossed on the way.
    const after = Array.from(list.children).find((li) => Number(li.dataset.seq) > seq);
    list.insertBefore(node, after || null);
  }

  function setUnread(unread) {
    for (const badge of root.querySelectorAll("[data-unread]")) {
      const count = unread[badge.dataset.unread] || 0;
      badge.firstChild.nodeValue = String(count);
      badge.hidden = count === 0 || badge.dataset.unread === channel;
    }
  }

  function bumpUnread(otherChannel) {
    const badge = root.querySelector(`[data-unread="${CSS.escape(otherChannel)}"]`);
    if (!badge) return;
    badge.firstChild.nodeValue = String(Number(badge.firstChild.nodeValue || 0) + 1);
    badge.hidden = false;
  }

  function applyRetraction(seq) {
    const li = list.querySelector(`[data-seq="${seq}"]`);
    if (!li) return;
    li.classList.add("message--retracted");
    li.querySelector(".message__actions")?.remove();
    li.querySelector(".message__carried")?.remove();
    const body = li.querySelector(".message__text");
    if (body) {
      body.classList.add("message__text--retracted");
      body.textContent = text.retracted;
    }
  }

  function show(event, { live }) {
    if (event.retracts) {
      applyRetraction(event.retracts);
      seen.add(event.seq);
      return;
    }
    if (seen.has(event.seq)) return;
    seen.add(event.seq);
    if (event.kind === "room.mode_changed") scheduleSync();
    if (event.channel !== channel) {
      if (event.message && event.actor.id !== me) bumpUnread(event.channel);
      return;
    }
    if (event.message) {
      const mine = event.actor.id === me;
      if (mine) {
        const waiting = pending.get(event.message.client_id);
        if (waiting) {
          waiting.node.remove();
          pending.delete(event.message.client_id);
        }
      }
      insert(messageNode(event), event.seq);
      if (live && !mine) {
        announce(format(text.newMessage, { name: event.actor.name, text: event.message.text || "" }));
        typists.delete(event.actor.id);
        renderTyping();
      }
      markRead(event.seq);
    } else if (event.title) {
      insert(noticeNode(event), event.seq);
    }
    scrollToEnd();
  }

  // Reading and syncing ---------------------------------------------------------------------------

  let readTimer = null;
  let readUpTo = 0;
  function markRead(seq) {
    readUpTo = Math.max(readUpTo, seq);
    if (document.visibilityState !== "visible" || readTimer) return;
    readTimer = window.setTimeout(() => {
      readTimer = null;
      emit("read", { channel, seq: readUpTo }).then((ack) => { if (ack && ack.unread) setUnread(ack.unread); });
    }, 500);
  }
  document.addEventListener("visibilitychange", () => { if (readUpTo) markRead(readUpTo); });

  async function sync() {
    if (syncing) {
      syncAgain = true;
      return syncing;
    }
    syncing = (async () => {
      do {
        syncAgain = false;
        let more = true;
        while (more && joined) {
          const ack = await emit("sync", { after: cursor });
          if (!ack || ack.error) return;
          for (const event of ack.events) show(event, { live: false });
          cursor = Math.max(cursor, ack.last_seq);
          more = ack.more;
          setUnread(ack.unread);
          applyMode(ack.shuttle_only, ack.postable);
        }
      } while (syncAgain);
    })();
    try {
      await syncing;
    } finally {
      syncing = null;
    }
    return undefined;
  }

  let syncTimer = null;
  function scheduleSync() {
    if (syncTimer) return;
    syncTimer = window.setTimeout(() => { syncTimer = null; sync(); }, 300);
  }

  function applyMode(shuttleOnly, postable) {
    if (modeNotice) modeNotice.hidden = !shuttleOnly;
    if (composer) {
      const allowed = postable.includes(channel);
      composer.hidden = !allowed;
    }
  }

  // Presence and typing ---------------------------------------------------------------------------

  function renderPresent(people) {
    if (!presentList) return;
    presentList.replaceChildren();
    for (const person of people) {
      presentList.append(element("li", null, person.id === me ? text.you : person.name));
    }
  }

  function renderTyping() {
    const now = Date.now();
    const names = [];
    for (const [id, entry] of typists) {
      if (now - entry.at > TYPING_SHOWN_MS) typists.delete(id);
      else names.push(entry.name);
    }
    typingLine.textContent = names.map((name) => format(text.typing, { name })).join(" ");
  }
  window.setInterval(renderTyping, 1_000);

  // Sending ---------------------------------------------------------------------------------------

  async function deliver(clientId) {
    const waiting = pending.get(clientId);
    if (!waiting || !joined) return;
    const ack = await emit("send", { channel, client_id: clientId, text: waiting.text });
    if (ack && ack.ok) {
      composerError.hidden = true;
      show({ case: caseId, seq: ack.seq, kind: "message.posted", channel, at: new Date().toISOString(),
        actor: { id: me, name: text.you, role: "" }, message: ack.message }, { live: false });
      cursor = ack.seq === cursor + 1 ? ack.seq : cursor;
      return;
    }
    if (ack && ack.error && ack.error.code === "busy") {
      // Nothing was stored: the same client id again after the wait the server asked for.
      waiting.node.querySelector(".message__pending").textContent = ack.error.message;
      window.setTimeout(() => deliver(clientId), (ack.error.retry_after || 5) * 1_000);
      return;
    }
    if (ack && ack.error && ack.error.code !== "timeout") {
      // Refused for good (too long, not allowed now): give the words back to fix or keep.
      waiting.node.remove();
      pending.delete(clientId);
      if (field && !field.value) field.value = waiting.text;
      const fields = ack.error.fields || {};
      composerError.textContent = [ack.error.message, ...(fields.text || [])].join(" ");
      composerError.hidden = false;
      field?.focus();
    } else {
      waiting.node.querySelector(".message__pending").textContent = text.failed;
    }
  }

  function submitComposer() {
    const words = field.value.trim();
    if (!words) return;
    const clientId = randomId();
    const node = element("li", "message message--mine message--pending");
    node.dataset.clientId = clientId;
    node.append(element("p", "message__meta", text.you), element("p", "message__text", words),
      element("p", "message__pending", text.sending));
    list.append(node);
    root.querySelector("[data-empty]")?.remove();
    pending.set(clientId, { text: words, node });
    field.value = "";
    scrollToEnd();
    deliver(clientId);
  }

  if (composer && field) {
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      submitComposer();
    });
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submitComposer();
      }
    });
    field.addEventListener("input", () => {
      const now = Date.now();
      if (joined && now - lastTyping > TYPING_EVERY_MS) {
        lastTyping = now;
        emit("typing", { channel });
      }
    });
    const templates = composer.querySelector("[data-reply-templates]");
    templates?.addEventListener("change", () => {
      const option = templates.selectedOptions[0];
      if (option && option.dataset.text) {
        field.value = field.value ? `${field.value}\n${option.dataset.text}` : option.dataset.text;
        field.focus();
      }
      templates.value = "";
    });
  }

  // The mediator's and the author's buttons go over the socket when it is there.
  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-room-action]");
    if (!form || !joined || form.dataset.roomAction === "mode") return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const seq = Number(form.querySelector("[name=seq]").value);
    const ack = form.dataset.roomAction === "retract"
      ? await emit("retract", { seq })
      : await emit("carry", { seq, to: form.querySelector("[name=to]").value });
    if (ack && ack.error) {
      announce(ack.error.message);
      window.alert(ack.error.message);
    } else {
      scheduleSync();
    }
  });

  // The connection --------------------------------------------------------------------------------

  socket.on("connect", async () => {
    const ack = await emit("join", {});
    if (!ack || ack.error) {
      banner.textContent = ack && ack.error ? ack.error.message : text.failed;
      banner.hidden = false;
      return;
    }
    joined = true;
    banner.hidden = true;
    setUnread(ack.unread);
    await sync();
    for (const clientId of pending.keys()) deliver(clientId); // the same id: stored once
    const presence = await emit("presence", {});
    if (presence && presence.present) renderPresent(presence.present);
  });

  socket.on("disconnect", () => {
    joined = false;
    banner.hidden = false;
  });

  socket.on("connect_error", () => {
    banner.hidden = false;
  });

  socket.on("event", (event) => {
    if (event.case !== caseId) return;
    if (event.sync) {
      scheduleSync();
    } else {
      show(event, { live: true });
      if (event.seq === cursor + 1) cursor = event.seq;
      else if (event.seq > cursor) scheduleSync();
    }
    document.dispatchEvent(new CustomEvent("odr:case-event", { detail: event }));
  });

  socket.on("typing", (event) => {
    if (event.case !== caseId || event.channel !== channel || event.user.id === me) return;
    typists.set(event.user.id, { name: event.user.name, at: Date.now() });
    renderTyping();
  });

  socket.on("presence", (event) => {
    if (event.case === caseId) renderPresent(event.present);
  });

  window.setInterval(async () => {
    if (!joined) return;
    const ack = await emit("presence", {});
    if (ack && ack.present) renderPresent(ack.present);
  }, HEARTBEAT_MS);

  const newest = list.lastElementChild;
  if (newest) {
    markRead(Number(newest.dataset.seq));
    newest.scrollIntoView({ block: "end" });
  }
}
