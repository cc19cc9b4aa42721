/** The dashboard's style sheet: system fonts only, light and legible on a control-room screen. */
export const PAGE_CSS = `
:root { --ink: #1b1f24; --muted: #5b6570; --line: #d8dde3; --bg: #f5f7f9; --card: #fff;
  --online: #1f883d; --stale: #bf8700; --offline: #cf222e; --unknown: #8c959f; --accent: #0969da; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
h1 { font-size: 18px; margin: 0; }
h2 { font-size: 16px; margin: 20px 0 8px; }
#login { display: flex; min-height: 100vh; align-items: center; justify-content: center; }
#login form { background: var(--card); padding: 24px; border: 1px solid var(--line); border-radius: 8px; display: grid; gap: 8px; width: 320px; }
#login-error { color: var(--offline); min-height: 1.4em; margin: 0; }
input, button, select { font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; }
button { background: var(--card); cursor: pointer; }
button.primary, #login button { background: var(--accent); color: #fff; border-color: var(--accent); }
header { display: flex; align-items: center; gap: 16px; padding: 10px 16px; background: var(--card); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
nav { display: flex; gap: 4px; flex: 1; }
nav a { padding: 6px 10px; border-radius: 6px; color: var(--ink); text-decoration: none; }
nav a.current { background: var(--bg); font-weight: 600; }
#live::before { content: "\\25CF "; }
#live[data-state="open"] { color: var(--online); }
#live[data-state="connecting"] { color: var(--stale); }
#live[data-state="closed"] { color: var(--offline); }
main { padding: 16px; }
table { border-collapse: collapse; background: var(--card); width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; color: #fff; background: var(--unknown); }
.pill.online { background: var(--online); } .pill.stale { background: var(--stale); } .pill.offline { background: var(--offline); }
.pill.succeeded { background: var(--online); } .pill.failed, .pill.rejected, .pill.expired { background: var(--offline); } .pill.queued, .pill.received { background: var(--stale); }
.pill.full, .pill.closed { background: var(--offline); } .pill.almostFull { background: var(--stale); } .pill.spacesAvailable { background: var(--online); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; min-width: 160px; }
.card .big { font-size: 28px; font-weight: 600; }
.muted { color: var(--muted); }
.mirror { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 12px; }
.mirror figure { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.mirror img { width: 100%; image-rendering: pixelated; background: #fff; border: 1px solid var(--line); display: block; }
.mirror figcaption { margin-top: 6px; font-size: 12px; }
.mirror .summary { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 11px; color: var(--muted); max-height: 7em; overflow: hidden; }
img.sign { max-width: 320px; image-rendering: pixelated; border: 1px solid var(--line); }
meter { width: 120px; vertical-align: middle; }
.signrow { font-family: ui-monospace, monospace; background: #111; color: #ffb000; padding: 2px 8px; display: inline-block; border-radius: 3px; margin: 1px 0; }
.actions { display: flex; gap: 8px; margin: 8px 0; }
.hb-charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; }
.hb-chart, .plot-card { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px; min-width: 0; overflow: hidden; }
.hb-chart figcaption { font-size: 12px; margin-bottom: 4px; }
.uplot { font-family: inherit; }
.uplot .u-legend { font-size: 12px; }
svg { background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
svg text { font-size: 11px; fill: var(--muted); }
svg g.bus text { fill: var(--ink); font-weight: 600; }
.error { color: var(--offline); }
a { color: var(--accent); }
/* A phone (a technician on a hotspot): the views wrap under the title, wide tables scroll on their own, targets are finger-sized. */
@media (max-width: 720px) {
  header { flex-wrap: wrap; gap: 8px; padding: 8px 12px; }
  nav { order: 3; flex-basis: 100%; overflow-x: auto; }
  nav a { white-space: nowrap; padding: 12px; }
  #live { margin-left: auto; }
  main { padding: 10px; }
  main table { display: block; overflow-x: auto; }
  .card { min-width: 0; flex: 1 1 40%; }
  #login form { width: calc(100% - 24px); max-width: 360px; }
  button, input, select { min-height: 44px; }
  .hb-charts, .mirror { grid-template-columns: 1fr; }
}
`;
