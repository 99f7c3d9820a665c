// The class view. Plain JavaScript, no build step. Everything from the server is set with
// textContent (never innerHTML): text a client sent can never become markup.
"use strict";

// The page's words come from the server's catalogue (i18n), in a JSON data block of the page.
const L = JSON.parse(document.getElementById("labels").textContent);
const state = { sessions: new Map(), messages: new Map(), boxes: new Map(), open: null, openCount: 0, ready: false, queue: [] };

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

async function getJSON(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(url + ": " + response.status);
  return response.json();
}

// -- sessions --------------------------------------------------------------------------

function showSession(s) {
  let row = state.sessions.get(s.id);
  if (!row) {
    row = el("tr", "session");
    row.dataset.id = s.id;
    row.addEventListener("click", () => openSession(s.id));
    document.querySelector("#sessions tbody").appendChild(row);
    state.sessions.set(s.id, row);
  }
  row.replaceChildren(...[s.id, s.peer, s.helo, s.login, s.tls, s.scenario, s.lines].map((v) => el("td", "", v)));
  row.classList.toggle("closed", !s.open);
  document.getElementById("session-count").textContent = state.sessions.size;
}

function addLine(fragments) {
  const line = el("div", "line");
  for (const [cls, text] of fragments) line.appendChild(el("span", cls, text));
  document.getElementById("conversation").appendChild(line);
  state.openCount += 1;
}

async function openSession(id) {
  state.open = id;
  state.openCount = 0;
  for (const row of state.sessions.values()) row.classList.toggle("selected", row.dataset.id === String(id));
  const box = document.getElementById("conversation");
  box.replaceChildren();
  const s = await getJSON("/api/sessions/" + id);
  if (state.open !== id) return;
  document.getElementById("conversation-title").textContent = L.session + " " + s.id + ": " + s.peer + (s.helo ? " (" + s.helo + ")" : "");
  box.replaceChildren();
  state.openCount = 0;
  for (const fragments of s.conversation) addLine(fragments);
}

function onLine(event) {
  if (event.session !== state.open) return;
  if (event.index < state.openCount) return; // already fetched
  if (event.index > state.openCount) { openSession(state.open); return; } // missed some: fetch again
  addLine(event.line);
}

// -- mail --------------------------------------------------------------------------------

function mailbox(address) {
  let box = state.boxes.get(address);
  if (!box) {
    box = el("section", "mailbox");
    box.dataset.address = address;
    const head = el("h3", "address");
    head.appendChild(el("span", "", address));
    head.appendChild(el("span", "count", "0"));
    box.appendChild(head);
    box.appendChild(el("ul", "messages"));
    const all = document.getElementById("mailboxes");
    const after = [...all.children].find((b) => b.dataset.address > address);
    all.insertBefore(box, after || null);
    state.boxes.set(address, box);
  }
  return box;
}

function showMessage(m) {
  if (state.messages.has(m.number)) return;
  state.messages.set(m.number, m);
  const rcpts = m.rcpt_tos.length ? m.rcpt_tos : [L.no_recipient];
  for (const rcpt of rcpts) {
    const box = mailbox(rcpt.toLowerCase());
    const item = el("li", "msg");
    item.dataset.number = m.number;
    item.appendChild(el("span", "number", "#" + m.number));
    item.appendChild(el("span", "from", m.mail_from || "<>"));
    item.appendChild(el("span", "subject", m.subject || L.no_subject));
    item.addEventListener("click", () => openMessage(m.number));
    box.querySelector("ul").appendChild(item);
    box.querySelector(".count").textContent = box.querySelectorAll("li").length;
  }
  document.getElementById("message-count").textContent = state.messages.size;
}

function row(table, name, value) {
  const tr = el("tr");
  tr.appendChild(el("th", "", name));
  tr.appendChild(el("td", "", value));
  table.appendChild(tr);
}

async function openMessage(number) {
  const m = await getJSON("/api/messages/" + number);
  const box = document.getElementById("message");
  box.replaceChildren(el("h3", "", L.message + " " + m.number + ": " + (m.subject || L.no_subject)));
  const env = el("table", "envelope");
  row(env, L.from_client, m.peer + " (HELO " + m.helo + ")");
  row(env, "MAIL FROM", "<" + m.mail_from + ">");
  row(env, "RCPT TO", m.rcpt_tos.map((r) => "<" + r + ">").join(", "));
  row(env, L.col_tls, m.tls || L.no_tls);
  row(env, L.col_login, m.auth_user || L.no_auth);
  row(env, L.size, m.size + L.bytes_queued + m.queue_id);
  box.appendChild(el("h4", "", L.envelope));
  box.appendChild(env);
  const headers = el("table", "headers");
  for (const [name, value] of m.headers) row(headers, name, value);
  box.appendChild(el("h4", "", L.headers));
  box.appendChild(headers);
  for (const part of m.parts) {
    const label = part.content_type + (part.charset ? "; charset=" + part.charset : "") + (part.filename ? ", " + part.filename : "") + ", " + part.size + L.bytes;
    box.appendChild(el("h4", "", L.part + label));
    if (part.text) box.appendChild(el("pre", "body", part.text));
  }
  box.appendChild(el("h4", "", L.raw));
  box.appendChild(el("pre", "raw", m.raw));
}

// -- the live feed --------------------------------------------------------------------

function apply(event) {
  if (event.type === "session") showSession(event.session);
  else if (event.type === "line") onLine(event);
  else if (event.type === "message") showMessage(event.message);
  else if (event.type === "reload") location.reload();
}

async function load() {
  const [sessions, list] = await Promise.all([getJSON("/api/sessions"), getJSON("/api/messages")]);
  for (const s of sessions) showSession(s);
  for (const m of list.messages) showMessage(m);
  state.ready = true;
  for (const event of state.queue.splice(0)) apply(event);
}

function start() {
  const status = document.getElementById("status");
  const source = new EventSource("/api/events");
  source.onopen = () => {
    status.textContent = L.live;
    status.className = "status live";
    if (!state.ready) load().catch((error) => { status.textContent = L.load_failed + error; });
  };
  source.onerror = () => { status.textContent = L.reconnecting; status.className = "status"; };
  source.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (state.ready) apply(event); else state.queue.push(event);
  };
}

document.addEventListener("DOMContentLoaded", start);
