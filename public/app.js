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
  // Session tokens v2 carry the organization as `o`, v1 as `org_*`; `fva` is minutes since each factor.
  const org = c.o ? `${c.o.id} as ${c.o.rol}` : c.org_id ? `${c.org_id} as ${c.org_role}` : "no organization";
  const fva = Array.isArray(c.fva) ? `; factors verified ${c.fva.map((m) => (m < 0 ? "never" : `${m} min ago`)).join(" / ")}` : "";
  status.textContent = `Signed in as ${c.sub} (session ${c.sid}), ${org}${fva}; ${life}${refresh}.`;
}

async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    ...(body ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(answer.error ?? `${res.status}`);
  return answer;
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
  let standIns = {};
  try {
    const res = await fetch("/__local/mode", { headers: { accept: "application/json" } });
    standIns = res.ok ? await res.json() : { mode: "deployment" };
    mode = standIns.mode;
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
  const organizations = $("#organization");
  for (const org of standIns.organizations ?? []) {
    const roles = Object.entries(org.roles)
      .map(([user, role]) => `${user} ${role}`)
      .join(", ");
    organizations.append(element("option", { value: org.id, textContent: `${org.name} (${org.id}: ${roles})` }));
  }
  // Acting for the first organization, so the organization functions answer from the first sign-in.
  organizations.value = standIns.organizations?.[0]?.id ?? "";
  for (const button of document.querySelectorAll("[data-user]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const org = organizations.value ? `&org=${encodeURIComponent(organizations.value)}` : "";
        await post(`/__local/sign-in?user=${encodeURIComponent(button.dataset.user)}${org}`);
      } catch (err) {
        $("#session-status").textContent = `Sign-in failed: ${err.message}`;
      } finally {
        button.disabled = false;
      }
      showSession();
    });
  }
  const control = (id, path, body) =>
    $(id).addEventListener("click", async () => {
      try {
        await post(path, body());
      } catch (err) {
        $("#session-status").textContent = `${path} failed: ${err.message}`;
        return;
      }
      showSession();
    });
  control("#switch-organization", "/__local/organization", () => ({ organization_id: organizations.value || null }));
  control("#age-factors", "/__local/age-factors", () => ({}));
  control("#reverify", "/__local/reverify", () => ({}));
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

/** Clerk's step-up answer: what useReverification would answer with its modal before retrying. */
function needsReverification(res, text) {
  if (res.status !== 403) return false;
  try {
    return JSON.parse(text).clerk_error?.reason === "reverification-error";
  } catch {
    return false;
  }
}

function render(section, { method, url, res, text, ms, error, retry }) {
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
  if (retry && mode === "stand-ins" && needsReverification(res, text)) {
    // The round trip Clerk's useReverification makes: verify again, then the same call once more.
    const again = element("button", { type: "button", textContent: "Re-verify and retry" });
    again.addEventListener("click", async () => {
      again.disabled = true;
      await post("/__local/reverify", {}).catch(() => {});
      showSession();
      retry();
    });
    result.append(element("div", { className: "buttons" }, again));
  }
}

async function send(section, request) {
  const { method, path, body, contentType } = request;
  const choice = authChoice(section);
  const { credentials: creds, headers } = await credentials(choice);
  if (contentType) headers["content-type"] = contentType;
  const url = path;
  const started = performance.now();
  try {
    const res = await fetch(url, { method, headers, body, credentials: creds });
    const text = await res.text();
    const retry = () => send(section, request);
    render(section, { method, url, res, text, ms: Math.round(performance.now() - started), retry });
  } catch (err) {
    render(section, { method, url, error: err.message });
  }
}

const TOKEN_NAMES = {
  session_token: "session tokens",
  m2m_token: "M2M tokens",
  api_key: "API keys",
  oauth_token: "OAuth tokens",
};

/** The operation a card calls: the function's own method (HEAD and OPTIONS come with it). */
function mainOperation(item) {
  for (const method of ["get", "post", "put", "patch", "delete"]) {
    if (item[method]) return { method: method.toUpperCase(), op: item[method] };
  }
  return undefined;
}

function resolveRef(doc, value) {
  if (!value?.$ref) return value;
  return value.$ref
    .slice(2)
    .split("/")
    .reduce((node, key) => node?.[key], doc);
}

function radios(name, legend, choices, form) {
  const set = element("fieldset", {}, element("legend", { textContent: legend }));
  choices.forEach(([value, text], i) => {
    const input = element("input", { type: "radio", name, value, checked: i === 0 });
    if (form) input.setAttribute("form", form);
    set.append(element("label", {}, input, ` ${text}`));
  });
  return set;
}

function field(id, name, label, hint, value) {
  const input = element("input", { id, name, value: value ?? "", autocomplete: "off" });
  const text = element("label", { htmlFor: id, textContent: label });
  if (hint) text.append(" ", element("span", { className: "hint", textContent: `(${hint})` }));
  return element("div", {}, text, input);
}

function schemaHint(schema) {
  if (!schema) return "";
  const range =
    schema.minimum !== undefined && schema.maximum !== undefined ? `${schema.minimum}–${schema.maximum}` : "";
  const def = schema.default !== undefined ? `default ${schema.default}` : "";
  return [range, def].filter(Boolean).join(", ");
}

/** A card for one function, from its operation in openapi.json. */
function card(doc, path, item) {
  const fn = path.split("/").pop();
  const { method, op } = mainOperation(item);
  const section = element("section", { className: "fn" });
  section.dataset.fn = fn;
  section.setAttribute("aria-labelledby", `${fn}-title`);
  const title = element(
    "h2",
    { id: `${fn}-title` },
    element("span", { className: "method", textContent: method }),
    " ",
    element("code", { textContent: path }),
  );
  const accepts = (op["x-accepts-token-types"] ?? []).map((t) => TOKEN_NAMES[t] ?? t).join(", ");
  section.append(title, element("p", { textContent: op.summary ?? "" }));
  if (op.description) section.append(element("p", { className: "hint", textContent: op.description }));
  section.append(element("p", { className: "hint", textContent: `Accepts ${accepts}.` }));

  const form = element("form", { className: "call" });
  const params = op.parameters ?? [];
  for (const p of params) {
    form.append(field(`${fn}-${p.name}`, p.name, p.name, schemaHint(p.schema), p.example));
  }
  const content = op.requestBody?.content?.["application/json"];
  const bodySchema = resolveRef(doc, content?.schema);
  const bodyFields = Object.keys(bodySchema?.properties ?? {});
  if (bodyFields.length > 0) {
    const fields = element("div", { className: "fields" });
    for (const name of bodyFields) fields.append(field(`${fn}-${name}`, name, name, "", content.example?.[name]));
    form.append(fields, element("p", { className: "hint", textContent: "Empty fields are left out." }));
  }
  form.append(radios(`auth-${fn}`, "Send the token as", [["cookie", "cookie"], ["bearer", "Bearer"], ["none", "nothing"]]));
  if (bodyFields.length > 0) {
    form.append(radios(`body-${fn}`, "Send's body", [["form", "form (urlencoded)"], ["json", "JSON"]]));
  }
  const buttons = element("div", { className: "buttons" }, element("button", { type: "submit", textContent: "Send" }));
  form.append(buttons);
  section.append(form, element("div", { className: "result", ariaLive: "polite" }));

  const values = () => {
    const out = {};
    for (const name of bodyFields) {
      const value = form.elements[name].value;
      if (value !== "") out[name] = value;
    }
    return out;
  };
  const query = () => {
    const q = new URLSearchParams();
    for (const p of params) {
      const value = form.elements[p.name].value.trim();
      if (value !== "") q.set(p.name, value);
    }
    const text = q.toString();
    return text ? `?${text}` : "";
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (bodyFields.length === 0) {
      send(section, { method, path: `${path}${query()}` });
      return;
    }
    const json = $(`input[name="body-${fn}"]:checked`, section).value === "json";
    send(section, {
      method,
      path: `${path}${query()}`,
      body: json ? JSON.stringify(values()) : new URLSearchParams(values()).toString(),
      contentType: json ? "application/json" : "application/x-www-form-urlencoded",
    });
  });
  if (bodyFields.length > 0 && method === "POST") htmlFormSubmit(section, fn, path, values, buttons);
  return section;
}

/**
 * A real HTML form post: the browser sends it urlencoded with the cookie and follows any redirect (the
 * sign-in 303) in a frame, as a plain HTML page posting to the function would.
 */
function htmlFormSubmit(section, fn, path, values, buttons) {
  const frameName = `${fn}-frame`;
  const post = element("form", { method: "post", action: path, target: frameName, hidden: true });
  post.setAttribute("enctype", "application/x-www-form-urlencoded");
  const outcome = element("p", { className: "form-outcome", id: `${fn}-outcome`, role: "status", ariaLive: "polite" });
  const frame = element("iframe", { name: frameName, id: frameName, title: "Where the HTML form submission landed" });
  const result = element("div", { className: "form-result", hidden: true }, outcome, frame);
  const button = element("button", { type: "button", className: "secondary", textContent: "Submit as an HTML form" });
  buttons.append(button);
  section.append(post, result);
  let submitted = false;
  button.addEventListener("click", () => {
    post.replaceChildren(
      ...Object.entries(values()).map(([name, value]) => element("input", { type: "hidden", name, value })),
    );
    submitted = true;
    result.hidden = false;
    outcome.textContent = "Submitting…";
    post.submit();
  });
  frame.addEventListener("load", () => {
    // The frame's first, empty document may finish loading after a quick first submit: not the answer.
    if (!submitted || frame.contentWindow.location.href === "about:blank") return;
    submitted = false;
    const win = frame.contentWindow;
    const nav = win.performance.getEntriesByType("navigation")[0];
    const landed = win.location.href;
    const status = nav?.responseStatus ? ` ${nav.responseStatus}` : "";
    outcome.textContent =
      nav?.redirectCount > 0
        ? `HTML form: POST ${path} answered with a redirect (303 See Other), followed to ${landed} →${status}`
        : `HTML form: POST ${path} →${status}, shown below`;
    showSession();
  });
}

async function setUpFunctions() {
  const container = $("#functions");
  try {
    const res = await fetch("openapi.json", { headers: { accept: "application/json" } });
    const doc = await res.json();
    const cards = Object.entries(doc.paths)
      .filter(([, item]) => mainOperation(item))
      .map(([path, item]) => card(doc, path, item));
    container.replaceChildren(...cards);
  } catch (err) {
    $("#functions-loading").textContent = `Could not read openapi.json: ${err.message}`;
  }
  container.removeAttribute("aria-busy");
}

setUpIdentity();
setUpFunctions();
