/**
 * The dashboard's page: a login form and the views' frame; app.js fills it (no inline code: CSP).
 * `asset` gives the URL of a file of the charting library (assets.ts); uPlot runs before app.js
 * (deferred scripts run in order).
 */
export const pageHtml = (asset: (name: 'uplot.js' | 'uplot.css') => string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tabla fleet</title>
<link rel="stylesheet" href="${asset('uplot.css')}">
<link rel="stylesheet" href="/dashboard/app.css">
<script src="${asset('uplot.js')}" defer></script>
<script src="/dashboard/app.js" defer></script>
</head>
<body>
<section id="login" hidden>
  <form id="login-form" autocomplete="on">
    <h1>Tabla fleet</h1>
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required>
    <button type="submit">Log in</button>
    <p id="login-error" role="alert"></p>
  </form>
</section>
<div id="app" hidden>
  <header>
    <h1>Tabla fleet</h1>
    <nav>
      <a href="#/overview" data-view="overview">Overview</a>
      <a href="#/displays" data-view="displays">Stop displays</a>
      <a href="#/parking" data-view="parking">Parking</a>
      <a href="#/buses" data-view="buses">Buses</a>
      <a href="#/ridership" data-view="ridership">Ridership</a>
      <a id="nav-red" href="/red/" hidden>Node-RED</a>
    </nav>
    <span id="live" data-state="connecting" title="live updates">live</span>
    <button id="logout" type="button">Log out</button>
  </header>
  <main id="view"></main>
</div>
</body>
</html>
`;
