// The operator console: plain JavaScript over the host's API (docs/console.md). Everything shown is
// written with textContent (never parsed as HTML). The admin token lives in this variable only.
"use strict";

let token = null;
let adminOk = false;
let lastAudit = 0;

const $ = (id) => document.getElementById(id);

function text(id, value) {
  $(id).textContent = value === undefined || value === null || value === "" ? "-" : String(value);
}

function badge(el, label, kind) {
  el.textContent = label;
  el.className = "badge" + (kind ? " " + kind : "");
}

function duration(seconds) {
  if (seconds === undefined || seconds === null) return "-";
  const s = Number(seconds);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d > 0) return d + " d " + h + " h";
  if (h > 0) return h + " h " + m + " min";
  if (m > 0) return m + " min " + (s % 60) + " s";
  return s + " s";
}

function headers(extra) {
  const h = Object.assign({ Accept: "application/json" }, extra || {});
  if (token) h.Authorization = "Bearer " + token;
  return h;
}

async function api(method, path, body) {
  const init = { method: method, headers: headers(body ? { "Content-Type": "application/json" } : {}),
                 credentials: "same-origin", cache: "no-store" };
  if (body) init.body = JSON.stringify(body);
  const r = await fetch(path, init);
  let json = null;
  try { json = await r.json(); } catch (e) { json = null; }
  return { status: r.status, json: json };
}

function row(tbody, cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    if (c instanceof Node) td.appendChild(c); else td.textContent = c === undefined || c === null ? "-" : String(c);
    tr.appendChild(td);
  }
  tbody.appendChild(tr);
  return tr;
}

function clear(tbody) { while (tbody.firstChild) tbody.removeChild(tbody.firstChild); }

function renderStatus(s) {
  const e = s.enclave || {};
  const h = s.host || {};
  text("host-uptime", duration(h.uptimeSeconds));
  text("zones", (h.zones || []).join(", "));
  text("enc-protocol", h.protocol ? "frame version " + h.protocol.frameVersion + ", message revision " + h.protocol.revision : "-");
  if (!e.reachable) {
    badge($("enc-state"), "unreachable (" + (e.code || "?") + ")", "bad");
    return;
  }
  text("enc-did", e.did);
  badge($("enc-state"), e.status + ", " + e.openRounds + " open round(s)", e.status === "serving" || e.status === "ok" ? "ok" : "");
  text("enc-policy", e.policySha256);
  text("enc-uptime", duration(e.uptimeSeconds) + " (first seen " + e.firstSeenAt + ")");
  const a = e.attestation || {};
  if (a.error) {
    text("att-time", a.error);
    return;
  }
  text("att-time", a.timestamp + " (" + duration(a.ageSeconds) + " old)");
  text("att-module", a.moduleId + " (" + a.digest + ")");
  text("att-root", (a.rootSubject || "") + "  sha256 " + (a.rootSha256 || "-"));
  const ud = a.userData || {};
  const bindsDid = ud.did === e.did, bindsPolicy = ud.policySha256 === e.policySha256;
  $("att-userdata").textContent = "";
  const b1 = document.createElement("span");
  badge(b1, bindsDid ? "the enclave DID" : "another DID: " + ud.did, bindsDid ? "ok" : "bad");
  const b2 = document.createElement("span");
  badge(b2, bindsPolicy ? "the policy hash" : "another policy: " + ud.policySha256, bindsPolicy ? "ok" : "bad");
  $("att-userdata").append(b1, " ", b2);
  const tb = $("pcrs").querySelector("tbody");
  clear(tb);
  for (const [i, v] of Object.entries(a.pcrs || {})) row(tb, ["PCR" + i, v]);
  text("att-note", a.verified);
}

function renderOperations(o) {
  const tb = $("rounds-table").querySelector("tbody");
  clear(tb);
  for (const r of o.rounds || []) {
    const counts = r.counts || {};
    const reasons = document.createElement("span");
    let rejected = 0;
    for (const [k, v] of Object.entries(counts)) {
      if (k === "accepted" || k === "pending") continue;
      rejected += v;
      const c = document.createElement("span");
      c.className = "chip";
      c.textContent = k + " " + v;
      reasons.appendChild(c);
    }
    if (rejected === 0) reasons.textContent = "0";
    let action = "";
    if (r.state === "open") {
      action = document.createElement("button");
      action.type = "button";
      action.className = "secondary";
      action.textContent = "Close";
      action.addEventListener("click", () => closeRound(r.round));
    }
    const tr = row(tb, [r.round, r.dataset, r.state, counts.accepted || 0, reasons, counts.pending || 0, action]);
    tr.dataset.round = r.round;
  }
  text("queue", o.queue ? o.queue.pending : "-");
  text("zones", (o.zones || []).join(", "));
  const eb = $("edge-table").querySelector("tbody");
  clear(eb);
  const edge = Object.entries(o.edgeRefusals || {});
  if (edge.length === 0) row(eb, ["none", 0]);
  for (const [k, v] of edge) row(eb, [k, v]);
  const s = o.seals || {};
  text("seal-enabled", s.enabled ? "on: every " + s.everyPayloads + " accepted payloads and every " + s.interval : "off (no key broker)");
  if (s.latest && !s.latest.error) {
    text("seal-last", s.latest.createdAt);
    text("seal-covers", (s.latest.rounds || []).join(", ") + " (" + s.latest.coveredPayloads + " payloads with a verdict)");
    text("seal-sha", s.latest.sealedSha256);
  } else {
    text("seal-last", s.latest && s.latest.error ? s.latest.error : "none yet");
  }
  const parts = [];
  for (const [k, v] of Object.entries(s.sealsSinceStart || {})) parts.push(v + " sealed (" + k + ")");
  for (const [k, v] of Object.entries(s.refusalsSinceStart || {})) parts.push(v + " refused (" + k + ")");
  for (const [k, v] of Object.entries(s.restoresSinceStart || {})) parts.push(v + " " + k);
  text("seal-counts", parts.join(", ") || "nothing");
  const rb = $("relay-table").querySelector("tbody");
  clear(rb);
  const relay = o.evidenceRelay || {};
  const items = Object.entries(relay.sinceStart || {});
  for (const [k, v] of items) row(rb, [k, v]);
  for (const [k, v] of Object.entries(relay.failuresSinceStart || {})) row(rb, ["failure: " + k, v]);
  if (items.length === 0) row(rb, ["nothing relayed", 0]);
}

function renderAudit(a) {
  if (a.valid === false) {
    badge($("audit-status"), "REJECTED " + a.code + " at line " + a.line, "bad");
  } else if (a.valid === true) {
    badge($("audit-status"), "verified up to the last signed head", "ok");
  } else {
    badge($("audit-status"), "no signed head yet", "warn");
  }
  text("audit-entries", a.entries);
  text("audit-head", a.signedHead ? "seq " + a.signedHead.seq + ": " + a.signedHead.head + " (" + a.signedHead.time + ")" : "-");
  text("audit-signer", a.signedHead ? a.signedHead.enclaveDid : "-");
  text("audit-unsigned", a.unsignedEntries === undefined ? "-" :
       a.unsignedEntries + " entries (signed at the next close, every N entries or export)");
}

function setAdmin(ok, label) {
  adminOk = ok;
  badge($("admin-state"), label, ok ? "ok" : (token ? "bad" : ""));
  for (const b of document.querySelectorAll("#rounds button, #backup, #open-form button")) b.disabled = !ok;
}

async function refresh() {
  try {
    const s = await api("GET", "/v1/status");
    if (s.status === 200 && s.json) {
      renderStatus(s.json);
      badge($("conn"), "connected", "ok");
    } else {
      badge($("conn"), "host answered " + s.status, "bad");
    }
    const o = await api("GET", "/v1/status/operations");
    if (o.status === 200 && o.json) {
      setAdmin(true, "admin");
      renderOperations(o.json);
      if (Date.now() - lastAudit > 10000) {
        const a = await api("GET", "/v1/status/audit");
        if (a.status === 200 && a.json) { renderAudit(a.json); lastAudit = Date.now(); }
      }
    } else {
      setAdmin(false, !token ? "no credential" : (o.json && o.json.code ? o.json.code : "refused"));
    }
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    $("error").textContent = "";
  } catch (err) {
    badge($("conn"), "host unreachable", "bad");
  }
}

async function action(method, path, body, done) {
  const r = await api(method, path, body);
  if (r.status >= 200 && r.status < 300) {
    $("error").textContent = "";
    if (done) done(r.json);
  } else {
    $("error").textContent = method + " " + path + " answered " + r.status +
      (r.json && r.json.code ? " " + r.json.code + (r.json.detail ? ": " + r.json.detail : "") : "");
  }
  lastAudit = 0;
  refresh();
}

function closeRound(round) {
  if (!confirm("Close round " + round + "? The enclave publishes its result and the round takes no more payloads.")) return;
  action("POST", "/v1/rounds/" + encodeURIComponent(round) + "/close");
}

document.addEventListener("DOMContentLoaded", () => {
  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    token = $("token").value.trim() || null;
    $("token").value = "";
    lastAudit = 0;
    refresh();
  });
  $("forget").addEventListener("click", () => { token = null; lastAudit = 0; refresh(); });
  $("open-form").addEventListener("submit", (e) => {
    e.preventDefault();
    action("POST", "/v1/rounds", { round: $("open-round").value.trim(), dataset: $("open-dataset").value.trim() },
      () => { $("open-round").value = ""; });
  });
  $("backup").addEventListener("click", () => action("POST", "/v1/backup", null, (j) => {
    // the answer holds the sealed blob (ciphertext); the page shows only what it covers
    $("backup-result").textContent = "sealed at " + j.createdAt + ", covering " + (j.rounds || []).join(", ");
  }));
  setAdmin(false, "no credential");
  refresh();
  setInterval(refresh, 2000);
});
