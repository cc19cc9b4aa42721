/**
 * The information panel's page: its skeleton only. Every word and number comes from the JSON the
 * agent serves (view.ts), filled in by page-script.ts; the look is page-css.ts. No external asset:
 * the panel works on a closed network.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="sl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, user-scalable=no">
<title>Celje</title>
<link rel="stylesheet" href="/kiosk.css">
</head>
<body data-tab="" data-lang="" data-stale="true">
<header>
  <nav id="tabs" role="tablist"></nav>
  <div id="clock" aria-live="off"></div>
  <button id="lang" type="button"></button>
</header>
<div id="banner" role="alert" hidden></div>
<main>
  <section id="panel-parking" class="panel" role="tabpanel" hidden>
    <ul id="carparks" class="rows"></ul>
    <svg id="map" viewBox="0 0 1000 600" role="img" hidden></svg>
    <p class="empty" id="carparks-empty" hidden></p>
  </section>
  <section id="panel-buses" class="panel" role="tabpanel" hidden>
    <div id="stops"></div>
    <p class="empty" id="stops-empty" hidden></p>
    <section id="bikes" hidden>
      <h2 id="bikes-title"></h2>
      <ul id="bike-stations" class="rows"></ul>
    </section>
  </section>
  <section id="panel-notices" class="panel" role="tabpanel" hidden>
    <ul id="notices" class="rows"></ul>
    <p class="empty" id="notices-empty" hidden></p>
  </section>
</main>
<footer><span id="age"></span><span id="bikes-line" hidden></span></footer>
<script src="/kiosk.js"></script>
</body>
</html>
`;
