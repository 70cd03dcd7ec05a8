/*
 * The status page: one file, no build step, no CDN. It reads /status.json once, then follows
 * /events (Server-Sent Events: each new status, each change for the timeline).
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>oar-ha</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
  header { padding: 18px 24px; color: #fff; background: #6b7280; }
  header.healthy { background: #15803d; } header.degraded { background: #b45309; } header.unhealthy, header.unknown { background: #b91c1c; }
  header h1 { margin: 0; font-size: 26px; } header p { margin: 4px 0 0; opacity: .9; }
  main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 18px; padding: 18px 24px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px #0002; }
  h2 { font-size: 16px; margin: 4px 0 10px; }
  table { border-collapse: collapse; width: 100%; } td { padding: 4px 6px; border-top: 1px solid #eee; vertical-align: top; }
  td.state { width: 52px; font-weight: 600; } .ok { color: #15803d; } .warn { color: #b45309; } .bad { color: #b91c1c; } .good { color: #15803d; } .info { color: #374151; }
  ol { list-style: none; padding: 0; margin: 0; max-height: 70vh; overflow: auto; } li { padding: 4px 0; border-top: 1px solid #eee; }
  time { color: #6b7280; font-size: 13px; margin-right: 6px; } footer { padding: 0 24px 18px; color: #6b7280; font-size: 13px; }
  @media (max-width: 800px) { main { grid-template-columns: 1fr; } }
  @media (prefers-color-scheme: dark) {
    body { background: #111418; color: #e5e7eb; } section { background: #1c2128; box-shadow: none; }
    td, li { border-color: #2d333b; } .ok, .good { color: #4ade80; } .warn { color: #fbbf24; } .bad { color: #f87171; } .info { color: #d1d5db; }
  }
  a { color: inherit; } a:focus, section:focus { outline: 3px solid #2563eb; outline-offset: 2px; }
  .charts img { max-width: 100%; background: #fff; border-radius: 4px; margin-top: 8px; }
</style>
</head>
<body>
<header id="banner" class="unknown" role="status" aria-live="polite"><h1 id="verdict">oar-ha: waiting for the first look at the cluster</h1><p id="sentence"></p></header>
<main>
  <div>
    <section><h2>Service groups</h2><table id="groups"></table></section>
    <section style="margin-top:18px"><h2>Checks</h2><table id="checks"></table></section>
  </div>
  <div>
    <section tabindex="0"><h2>Timeline (since this page opened)</h2><ol id="timeline" aria-live="polite"></ol></section>
    <section style="margin-top:18px" id="reports-box" hidden><h2>Drill and bench reports</h2><ul id="reports"></ul><div class="charts" id="charts"></div></section>
  </div>
</main>
<footer id="footer"></footer>
<script>
  const $ = (id) => document.getElementById(id);
  const text = (s) => document.createTextNode(String(s));
  const row = (cells) => { const tr = document.createElement("tr"); for (const [v, cls] of cells) { const td = document.createElement("td"); if (cls) td.className = cls; td.appendChild(text(v)); tr.appendChild(td); } return tr; };
  const SENTENCE = { healthy: "Everything runs, and a failover would work now.", degraded: "The services run, but the cluster could not fail over as it should, or keeps failures.", unhealthy: "A service is down.", unknown: "The cluster could not be read." };
  function show(s) {
    $("banner").className = s.verdict;
    $("verdict").textContent = s.cluster + ": " + (s.verdict || "unknown").toUpperCase() + (s.vipHolder ? ", active server " + s.vipHolder : "");
    $("sentence").textContent = s.error ? "status could not be read: " + s.error : SENTENCE[s.verdict] || "";
    const g = $("groups"); g.replaceChildren();
    for (const x of s.groups || []) g.appendChild(row([[x.running ? "ok" : "FAIL", "state " + (x.running ? "ok" : "bad")], [x.id === "all" ? "services" : x.id], [x.holder ? "on " + x.holder : "held by no server"]]));
    const c = $("checks"); c.replaceChildren();
    for (const x of s.checks || []) c.appendChild(row([[x.ok ? "ok" : x.degraded ? "WARN" : "FAIL", "state " + (x.ok ? "ok" : x.degraded ? "warn" : "bad")], [x.name], [x.detail]]));
    $("footer").textContent = "looked at " + new Date(s.polledAt).toLocaleTimeString() + " (took " + s.pollSeconds.toFixed(1) + " s); oar-ha web pushes every change as it sees it";
  }
  function add(e) {
    const li = document.createElement("li"); li.className = e.level;
    const t = document.createElement("time"); t.textContent = new Date(e.time).toLocaleTimeString(); li.appendChild(t); li.appendChild(text(e.text));
    $("timeline").prepend(li);
  }
  fetch("reports.json").then((r) => r.json()).then((list) => {
    if (!list.length) return;
    $("reports-box").hidden = false;
    for (const r of list) {
      const li = document.createElement("li"); const a = document.createElement("a");
      a.href = "reports/" + encodeURIComponent(r.name); a.textContent = r.name + " (" + new Date(r.mtime).toLocaleString() + ")";
      li.appendChild(a); $("reports").appendChild(li);
    }
    for (const r of list.filter((x) => x.name.endsWith(".svg")).slice(0, 2)) {
      const img = document.createElement("img"); img.src = "reports/" + encodeURIComponent(r.name); img.alt = "chart: " + r.name; $("charts").appendChild(img);
    }
  }).catch(() => undefined);
  const es = new EventSource("events");
  es.addEventListener("reset", () => $("timeline").replaceChildren());
  es.addEventListener("status", (m) => show(JSON.parse(m.data)));
  es.addEventListener("timeline", (m) => add(JSON.parse(m.data)));
  es.onerror = () => { $("sentence").textContent = "connection to oar-ha web lost: retrying"; };
</script>
</body>
</html>
`;
