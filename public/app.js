// The try-it page: sign in (stand-ins) or paste a token, call each function, show what it answered.
"use strict";

const SHOWN_HEADERS = [
  "content-type",
  "x-request-id",
  "cache-control",
  "www-authenticate",
  "retry-after",
  "allow",
  "location",
  "vary",
];
const REFRESH_BEFORE_S = 20;

const $ = (selector, root = document) => root.querySelector(selector);
let mode = "unknown";

function readCookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return "";
}

function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  } catch {
    return undefined;
  }
}

const sessionToken = () => readCookie("__session");
const secondsLeft = (token) => Math.round((claims(token)?.exp ?? 0) - Date.now() / 1000);

function showSession() {
  const status = $("#session-status");
  const token = sessionToken();
  const c = token && claims(token);
  if (!c) {
    status.textContent = "Signed out: no __session cookie on this origin.";
    return;
  }
  const left = secondsLeft(token);
  const life = left > 0 ? `token expires in ${left}\u00a0s` : "token expired";
  const refresh = mode === "stand-ins" ? ", refreshed automatically" : "";
  status.textContent = `Signed in as ${c.sub} (session ${c.sid}); ${life}${refresh}.`;
}

async function post(path) {
  const res = await fetch(path, { method: "POST" });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `${res.status}`);
  return body;
}

/** Like Clerk's getToken(): a token with some life left, refreshed through the local sign-in first. */
async function freshSessionToken() {
  const token = sessionToken();
  if (mode === "stand-ins" && token && secondsLeft(token) < REFRESH_BEFORE_S) {
    try {
      await post("/__local/refresh");
    } catch {
      // The session ended: the cookie stays as it is, and the function will say 401.
    }
    showSession();
  }
  return sessionToken();
}

async function setUpIdentity() {
  try {
    const res = await fetch("/__local/mode", { headers: { accept: "application/json" } });
    mode = res.ok ? (await res.json()).mode : "deployment";
  } catch {
    mode = "deployment";
  }
  const text = $("#mode-text");
  if (mode === "stand-ins") {
    text.textContent = "Local server with the Clerk and Supabase stand-ins.";
    $("#stand-in-sign-in").hidden = false;
  } else {
    text.textContent =
      mode === "real"
        ? "Local server using your real Clerk and Supabase keys."
        : "A real deployment: this site has no local sign-in.";
    $("#real-help").hidden = false;
  }
  for (const button of document.querySelectorAll("[data-user]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await post(`/__local/sign-in?user=${encodeURIComponent(button.dataset.user)}`);
      } catch (err) {
        $("#session-status").textContent = `Sign-in failed: ${err.message}`;
      } finally {
        button.disabled = false;
      }
      showSession();
    });
  }
  $("#sign-out").addEventListener("click", async () => {
    await post("/__local/sign-out").catch(() => {});
    showSession();
  });
  showSession();
  setInterval(async () => {
    if (mode === "stand-ins") await freshSessionToken();
    showSession();
  }, 5000);
}

function authChoice(section) {
  return $(`input[name="auth-${section.dataset.fn}"]:checked`, section).value;
}

/** fetch options for the chosen credential: the cookie alone, the Bearer header alone, or nothing. */
async function credentials(choice) {
  if (choice === "cookie") {
    await freshSessionToken();
    return { credentials: "same-origin", headers: {} };
  }
  if (choice === "bearer") {
    const token = $("#token").value.trim() || (await freshSessionToken());
    return { credentials: "omit", headers: token ? { authorization: `Bearer ${token}` } : {} };
  }
  return { credentials: "omit", headers: {} };
}

function element(tag, props = {}, ...children) {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}

function describeBody(text, contentType) {
  if (!text) return "(no body)";
  if (contentType.startsWith("application/json")) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Not JSON after all: shown as it came.
    }
  }
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

function render(section, { method, url, res, text, ms, error }) {
  const result = $(".result", section);
  result.replaceChildren();
  if (error) {
    result.append(element("p", { className: "status err", textContent: `${method} ${url} failed: ${error}` }));
    return;
  }
  const contentType = res.headers.get("content-type") ?? "";
  let code = "";
  if (contentType.startsWith("application/json")) {
    try {
      const e = JSON.parse(text).error;
      if (e?.code) code = ` — ${e.code}: ${e.message}`;
    } catch {
      // Shown as text below.
    }
  }
  const redirected = res.redirected ? ` (redirected to ${res.url})` : "";
  const status = element(
    "p",
    { className: `status ${res.ok ? "ok" : "err"}` },
    element("strong", { className: "code", textContent: `${res.status} ${res.statusText}` }),
    ` · ${ms} ms · ${method} ${url}${redirected}${code}`,
  );
  const headers = element("dl", { className: "headers" });
  const names = [...res.headers.keys()].filter((h) => SHOWN_HEADERS.includes(h) || h.startsWith("access-control-"));
  for (const name of names) headers.append(element("dt", { textContent: name }), element("dd", { textContent: res.headers.get(name) }));
  const body = element("pre", { className: "body", tabIndex: 0 }, element("code", { textContent: describeBody(text, contentType) }));
  body.setAttribute("aria-label", "Response body");
  result.append(status, headers, body);
}

async function send(section, { method, path, body, contentType }) {
  const choice = authChoice(section);
  const { credentials: creds, headers } = await credentials(choice);
  if (contentType) headers["content-type"] = contentType;
  const url = path;
  const started = performance.now();
  try {
    const res = await fetch(url, { method, headers, body, credentials: creds });
    const text = await res.text();
    render(section, { method, url, res, text, ms: Math.round(performance.now() - started) });
  } catch (err) {
    render(section, { method, url, error: err.message });
  }
}

function nameFields(form) {
  const fields = {};
  for (const name of ["firstName", "lastName"]) {
    const value = form.elements[name].value;
    if (value !== "") fields[name] = value;
  }
  return fields;
}

function setUpFunctions() {
  for (const section of document.querySelectorAll(".fn")) {
    const fn = section.dataset.fn;
    if (fn === "update-user") continue;
    $("form", section).addEventListener("submit", (event) => {
      event.preventDefault();
      const limit = fn === "supabase-data" ? $("#limit").value.trim() : "";
      const path = `/api/${fn}${limit ? `?limit=${encodeURIComponent(limit)}` : ""}`;
      send(section, { method: "GET", path });
    });
  }

  const section = $('.fn[data-fn="update-user"]');
  const form = $("#update-form");
  $("#update-send").addEventListener("click", () => {
    const fields = nameFields(form);
    const json = $('input[name="body-update-user"]:checked', section).value === "json";
    send(section, {
      method: "POST",
      path: "/api/update-user",
      body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
      contentType: json ? "application/json" : "application/x-www-form-urlencoded",
    });
  });

  // The real HTML form: the browser posts it urlencoded with the cookie and follows any redirect in the frame.
  const frame = $("#update-frame");
  let submitted = false;
  form.addEventListener("submit", async () => {
    submitted = true;
    for (const input of [form.elements.firstName, form.elements.lastName]) input.disabled = input.value === "";
    setTimeout(() => {
      for (const input of [form.elements.firstName, form.elements.lastName]) input.disabled = false;
    });
    $(".form-result", section).hidden = false;
    $("#form-outcome").textContent = "Submitting…";
  });
  frame.addEventListener("load", () => {
    // The frame's first, empty document may finish loading after a quick first submit: not the answer.
    if (!submitted || frame.contentWindow.location.href === "about:blank") return;
    submitted = false;
    const win = frame.contentWindow;
    const nav = win.performance.getEntriesByType("navigation")[0];
    const landed = win.location.href;
    const status = nav?.responseStatus ? ` ${nav.responseStatus}` : "";
    $("#form-outcome").textContent =
      nav?.redirectCount > 0
        ? `HTML form: POST /api/update-user answered with a redirect (303 See Other), followed to ${landed} →${status}`
        : `HTML form: POST /api/update-user →${status}, shown below`;
    showSession();
  });
}

setUpIdentity();
setUpFunctions();
