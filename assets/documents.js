// The documents panel: choose or drop files, upload each with its own progress bar, new versions,
// carrying across channels (mediator), and a list that refreshes itself when a document is shared.
// Self-contained: it works wherever a [data-documents] panel is on the page.

import { randomId } from "./random.js";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function errorMessage(xhr, fallback) {
  try {
    const body = JSON.parse(xhr.responseText);
    const fields = body.error && body.error.fields;
    if (fields && fields.file) {
      return fields.file.join(" ");
    }
    if (fields) {
      const first = Object.values(fields)[0];
      if (first && first.length) {
        return `${body.error.message} ${first.join(" ")}`;
      }
    }
    return (body.error && body.error.message) || fallback;
  } catch {
    return fallback;
  }
}

// One XMLHttpRequest with upload progress; resolves with the request, whatever its status.
function send(method, url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    Object.entries(headers || {}).forEach(([name, value]) => xhr.setRequestHeader(name, value));
    if (onProgress) {
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) {
          onProgress(event.loaded / event.total);
        }
      });
    }
    xhr.addEventListener("load", () => resolve(xhr));
    xhr.addEventListener("error", () => reject(new Error("network")));
    xhr.send(body);
  });
}

async function sha256Hex(file) {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function initPanel(panel) {
  const texts = panel.dataset;
  const uploadBox = panel.querySelector("[data-documents-upload]");
  const list = panel.querySelector("[data-documents-list]");
  const uploads = panel.querySelector("[data-uploads]");
  const chooser = panel.querySelector("[data-documents-file]");
  const versionChooser = panel.querySelector("[data-documents-version-file]");
  const channelSelect = panel.querySelector("[data-documents-channel]");
  const dropzone = panel.querySelector("[data-dropzone]");
  const maxBytes = Number(panel.dataset.maxBytes || 0);
  let replacing = null;
  let shown = null; // the list's HTML as last fetched: an unchanged list is left alone

  function showControls() {
    panel.querySelectorAll("[data-new-version], [data-carry]").forEach((button) => {
      button.hidden = false;
    });
  }

  async function refresh() {
    const response = await fetch(panel.dataset.listUrl, {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const html = await response.text();
    // The upload and the room's report of it both ask for the list; replacing it with the same
    // rows would pull a link from under the pointer of someone about to download.
    if (html === shown) return;
    shown = html;
    list.innerHTML = html;
    showControls();
  }

  function progressItem(name) {
    const item = document.createElement("li");
    item.className = "upload";
    const label = document.createElement("span");
    label.className = "upload__name";
    label.textContent = name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", `${texts.textProgress} ${name}`);
    const status = document.createElement("span");
    status.className = "upload__status";
    status.textContent = texts.textUploading;
    item.append(label, " ", bar, " ", status);
    uploads.prepend(item);
    return {
      progress(fraction) {
        bar.value = Math.round(fraction * 100);
      },
      done() {
        bar.value = 100;
        status.textContent = texts.textDone;
        item.classList.add("upload--done");
      },
      fail(message) {
        status.textContent = message;
        item.classList.add("upload--failed");
        bar.remove();
      },
    };
  }

  async function throughServer(file, channel, replaces, item) {
    const params = new URLSearchParams({ channel });
    if (replaces) {
      params.set("replaces", replaces);
    }
    return send("POST", `${panel.dataset.uploadUrl}?${params}`, file, {
      "Content-Type": "application/octet-stream",
      "X-File-Name": encodeURIComponent(file.name),
      "X-CSRFToken": csrfToken(),
      "Idempotency-Key": randomId(),
      Accept: "application/json",
    }, item.progress);
  }

  async function straightToStore(file, channel, replaces, item) {
    const json = { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" };
    const announce = { name: file.name, size: file.size, sha256: await sha256Hex(file), channel, idempotency_key: randomId() };
    if (replaces) {
      announce.replaces = replaces;
    }
    const started = await send("POST", panel.dataset.directUrl, JSON.stringify(announce), json);
    if (started.status !== 200) {
      return started;
    }
    const plan = JSON.parse(started.responseText);
    if (!plan.token) {
      return started; // this key was used before: that document exists
    }
    const headers = { ...plan.headers };
    if (new URL(plan.url, window.location.href).origin === window.location.origin) {
      headers["X-CSRFToken"] = csrfToken();
    }
    const sent = await send(plan.method, plan.url, file, headers, item.progress);
    if (sent.status >= 300) {
      return sent;
    }
    return send("POST", panel.dataset.completeUrl, JSON.stringify({ token: plan.token }), json);
  }

  async function upload(file, replaces) {
    const item = progressItem(file.name);
    if (maxBytes && file.size > maxBytes) {
      item.fail(texts.textTooLarge);
      return;
    }
    // A new version stays where its document is, whatever the chooser says (the server sees to it).
    const channel = channelSelect && channelSelect.value ? channelSelect.value : "joint";
    try {
      const direct = panel.dataset.direct === "true" && window.crypto && crypto.subtle;
      const xhr = direct
        ? await straightToStore(file, channel, replaces, item)
        : await throughServer(file, channel, replaces, item);
      if (xhr.status >= 200 && xhr.status < 300) {
        item.done();
        await refresh();
      } else {
        item.fail(errorMessage(xhr, texts.textFailed));
      }
    } catch {
      item.fail(texts.textFailed);
    }
  }

  // Who will see the files: the channel chosen, which must be chosen, and which, when it is not the
  // channel the person is writing in, they confirm (a private conversation's file shown to the other
  // side cannot be taken back from their memory).
  function audienceAgreed() {
    if (!channelSelect) {
      return true;
    }
    if (!channelSelect.value) {
      uploads.prepend(progressItemFailed(texts.textChoose));
      channelSelect.focus();
      return false;
    }
    const inView = texts.channelInView;
    if (!inView || channelSelect.value === inView) {
      return true;
    }
    const chosen = channelSelect.selectedOptions[0].textContent.trim();
    return window.confirm(texts.textWider.replace("{channel}", chosen));
  }

  function progressItemFailed(text) {
    const line = document.createElement("li");
    line.className = "upload upload--failed";
    line.setAttribute("role", "alert");
    line.textContent = text;
    return line;
  }

  function uploadAll(files, replaces) {
    if (!files.length || !audienceAgreed()) {
      return;
    }
    Array.from(files).forEach((file) => upload(file, replaces));
  }

  if (uploadBox) {
    uploadBox.hidden = false;
    chooser.addEventListener("change", () => {
      uploadAll(chooser.files, null);
      chooser.value = "";
    });
    versionChooser.addEventListener("change", () => {
      if (versionChooser.files.length) {  // a new version stays in its document's channel
        upload(versionChooser.files[0], replacing);
      }
      versionChooser.value = "";
      replacing = null;
    });
    ["dragenter", "dragover"].forEach((name) => dropzone.addEventListener(name, (event) => {
      event.preventDefault();
      dropzone.classList.add("dropzone--over");
    }));
    ["dragleave", "drop"].forEach((name) => dropzone.addEventListener(name, () => {
      dropzone.classList.remove("dropzone--over");
    }));
    dropzone.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        uploadAll(event.dataTransfer.files, null);
      }
    });
  }

  panel.addEventListener("click", async (event) => {
    const versionButton = event.target.closest("[data-new-version]");
    if (versionButton && versionChooser) {
      replacing = versionButton.dataset.newVersion;
      versionChooser.click();
      return;
    }
    const carryButton = event.target.closest("[data-carry]");
    if (carryButton) {
      carryButton.disabled = true;
      const response = await fetch(carryButton.dataset.carry, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body: JSON.stringify({ channel: carryButton.dataset.channel }),
      });
      carryButton.disabled = false;
      if (response.ok) {
        await refresh();
      }
    }
  });

  // The room dispatches every case event it receives; a shared document refreshes the list.
  document.addEventListener("odr:case-event", (event) => {
    const kind = event.detail && event.detail.kind;
    if (kind === "document.shared" || kind === "document.refused") {
      refresh();
    }
  });

  showControls();
}

export function initDocuments(root = document) {
  root.querySelectorAll("[data-documents]").forEach(initPanel);
}

document.addEventListener("DOMContentLoaded", () => initDocuments());
