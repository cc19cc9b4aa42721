/**
 * The information panel's look: dark, high contrast, large type and touch targets of at least
 * 96 px (the guidance for public touch screens asks for 48 px at the least). Landscape or portrait.
 */
export const PAGE_CSS = `
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: #0b1320; color: #f4f6fa; font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
body { display: flex; flex-direction: column; user-select: none; -webkit-user-select: none; touch-action: manipulation; overflow: hidden; }
header { display: flex; align-items: stretch; gap: 12px; padding: 12px; background: #13203a; }
nav { display: flex; gap: 12px; flex: 1; }
button { font: inherit; color: inherit; border: 3px solid #3d5a8a; background: #1c2d4f; border-radius: 14px; cursor: pointer; }
.tab { min-height: 96px; min-width: 180px; flex: 1; font-size: 34px; font-weight: bold; padding: 0 18px; }
.tab[aria-selected="true"] { background: #f4f6fa; color: #0b1320; border-color: #f4f6fa; }
#lang { min-height: 96px; min-width: 200px; font-size: 26px; font-weight: bold; padding: 0 18px; }
#clock { align-self: center; font-size: 44px; font-weight: bold; padding: 0 12px; font-variant-numeric: tabular-nums; }
#banner { background: #ffcc00; color: #000; font-size: 34px; font-weight: bold; padding: 18px 24px; text-align: center; }
main { flex: 1; overflow: hidden; padding: 16px 24px; }
.panel { height: 100%; }
#panel-parking:not([hidden]) { display: grid; grid-template-columns: minmax(0, 1fr); gap: 24px; align-content: start; }
#panel-parking.with-map:not([hidden]) { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
@media (orientation: portrait) { #panel-parking.with-map:not([hidden]) { grid-template-columns: minmax(0, 1fr); } }
.rows { list-style: none; margin: 0; padding: 0; }
.row { display: flex; align-items: center; gap: 20px; min-height: 96px; padding: 10px 18px; margin-bottom: 10px; background: #15233d; border-radius: 14px; }
.row .name { flex: 1; min-width: 0; }
.row .title { font-size: 34px; font-weight: bold; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.row .sub { font-size: 22px; color: #b8c4d8; }
.value { font-size: 52px; font-weight: bold; min-width: 240px; text-align: right; font-variant-numeric: tabular-nums; }
.value small { display: block; font-size: 20px; font-weight: normal; color: #b8c4d8; }
.look-free .value { color: #4ade80; }
.look-almost .value { color: #fbbf24; }
.look-full .value { color: #f87171; }
.look-closed .value, .look-unknown .value { color: #9aa6b8; }
#map { width: 100%; height: auto; background: #101b30; border-radius: 14px; }
#map circle.look-free { fill: #4ade80; } #map circle.look-almost { fill: #fbbf24; } #map circle.look-full { fill: #f87171; }
#map circle.look-closed, #map circle.look-unknown { fill: #9aa6b8; }
#map text { fill: #f4f6fa; font-size: 30px; font-weight: bold; text-anchor: middle; }
#map text.name { font-size: 24px; font-weight: normal; fill: #b8c4d8; }
#panel-buses.with-bikes:not([hidden]) { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 24px; align-content: start; }
@media (orientation: portrait) { #panel-buses.with-bikes:not([hidden]) { grid-template-columns: minmax(0, 1fr); } }
#stops { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 24px; }
.stop h2, #bikes h2 { font-size: 32px; margin: 0 0 12px; }
#panel-buses > .empty { grid-column: 1; }
#bikes { grid-column: 2; grid-row: 1 / span 2; }
@media (orientation: portrait) { #bikes { grid-column: 1; grid-row: auto; } }
.bike .title { white-space: normal; line-height: 1.15; }
.bike .value { min-width: 110px; font-size: 44px; }
.bike .value.look-some { color: #4ade80; }
.bike .value.look-none { color: #f87171; }
.bike .value.look-unknown { color: #9aa6b8; }
.line { min-width: 150px; padding: 8px 14px; border-radius: 10px; font-size: 28px; font-weight: bold; text-align: center; background: #3d5a8a; color: #000; }
.when { font-size: 44px; font-weight: bold; min-width: 180px; text-align: right; font-variant-numeric: tabular-nums; }
.when small { display: block; font-size: 18px; font-weight: normal; color: #b8c4d8; }
.departure.scheduled .when { color: #cbd5e1; font-style: italic; }
.notice { font-size: 32px; line-height: 1.35; }
.empty { font-size: 32px; color: #b8c4d8; }
footer { display: flex; justify-content: space-between; gap: 24px; padding: 10px 24px; font-size: 24px; color: #b8c4d8; background: #13203a; }
#bikes-line { color: #f4f6fa; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
body[data-stale="true"] footer { color: #ffcc00; }
`;
