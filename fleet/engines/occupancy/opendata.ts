/**
 * The car parks as open data, built from their statuses (pure):
 *
 * - ParkAPI v3 JSON (`parkApiSites`): `{items: [...]}`, one parking site per car park with the
 *   ParkAPI field names — `uid`, `name`, `type` (CAR_PARK for a garage, OFF_STREET_PARKING_GROUND
 *   for an open car park), `lat`/`lon` as decimal strings (7 places), `address`, `capacity`,
 *   `has_realtime_data`, `static_data_updated_at`, `realtime_opening_status` (OPEN, CLOSED, or
 *   UNKNOWN when no fresh count vouches for it), `realtime_free_capacity` (0 when closed, left out
 *   when unknown) and `realtime_data_updated_at` (the last count, left out when there was none).
 * - DATEX II v2.3 (`datex2ParkingStatus`): a `d2LogicalModel` whose payload is a
 *   `GenericPublication` named ParkingStatusPublication carrying, in its
 *   `genericPublicationExtension`, a `parkingStatusPublication` — in 2.3 the parking publications
 *   are this Level B extension of the core model — with one `ParkingSiteStatus` per car park:
 *   `parkingRecordReference`, `parkingStatusOriginTime`, `parkingOccupancy` (vacant, occupied, %,
 *   trend), `parkingSiteStatus` and `parkingSiteOpeningStatus`. A closed site has 0 vacant spaces;
 *   an unknown one an empty occupancy and the status `unknown`. Valid against
 *   test/data/datex2/DATEXIISchema_2_2_3.xsd (checked with xmllint in the tests).
 */
import type { CarParkStatus } from '../../../protocols/index.js';

export interface OpenDataSite {
  status: CarParkStatus;
  /** when its catalogue was last put (ms) */
  definedAt: number;
}

type OpeningStatus = 'OPEN' | 'CLOSED' | 'UNKNOWN';

export function openingStatusOf(s: CarParkStatus): OpeningStatus {
  return s.state === 'closed' ? 'CLOSED' : s.state === 'unknown' ? 'UNKNOWN' : 'OPEN';
}

const coordinate = (x: number) => x.toFixed(7);

export function parkApiSites(sites: readonly OpenDataSite[]) {
  return {
    items: sites.map(({ status: s, definedAt }) => {
      const opening = openingStatusOf(s);
      return {
        uid: s.id,
        name: s.name,
        type: s.kind === 'garage' ? 'CAR_PARK' : 'OFF_STREET_PARKING_GROUND',
        ...(s.lat !== undefined && s.lon !== undefined ? { lat: coordinate(s.lat), lon: coordinate(s.lon) } : {}),
        ...(s.address !== undefined ? { address: s.address } : {}),
        capacity: s.capacity,
        has_realtime_data: true,
        static_data_updated_at: new Date(definedAt).toISOString(),
        realtime_opening_status: opening,
        ...(opening === 'CLOSED' ? { realtime_free_capacity: 0 } : s.free !== null ? { realtime_free_capacity: s.free } : {}),
        ...(s.updatedAt !== null ? { realtime_data_updated_at: s.updatedAt } : {}),
      };
    }),
  };
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

const TREND = { rising: 'increasing', falling: 'decreasing', steady: 'stable' } as const;

export interface Datex2Options {
  /** ISO 3166-1 alpha-2, lower case, as DATEX II `CountryEnum` has it */
  country: string;
  /** who publishes (the `nationalIdentifier` of supplier and creator) */
  publisher: string;
  lang: string;
  now: number;
}

function siteStatus(s: CarParkStatus, now: number): string {
  const origin = s.updatedAt ?? new Date(now).toISOString();
  const occupancy =
    s.state === 'closed'
      ? ['<parkingNumberOfVacantSpaces>0</parkingNumberOfVacantSpaces>']
      : s.free === null
        ? ['<parkingOccupancyTrend>unknown</parkingOccupancyTrend>']
        : [
            `<parkingNumberOfVacantSpaces>${s.free}</parkingNumberOfVacantSpaces>`,
            `<parkingNumberOfOccupiedSpaces>${s.occupied}</parkingNumberOfOccupiedSpaces>`,
            `<parkingOccupancy>${s.percent}</parkingOccupancy>`,
            `<parkingOccupancyTrend>${s.trend ? TREND[s.trend] : 'unknown'}</parkingOccupancyTrend>`,
          ];
  const state = s.state === 'closed' ? null : s.state;
  const opening = s.state === 'closed' ? 'closed' : s.state === 'unknown' ? 'statusUnknown' : 'open';
  return [
    '<parkingRecordStatus xsi:type="ParkingSiteStatus">',
    `<parkingRecordReference targetClass="ParkingRecord" id="${xmlEscape(s.id)}" version="1"/>`,
    `<parkingStatusOriginTime>${origin}</parkingStatusOriginTime>`,
    '<parkingOccupancy>',
    ...occupancy.map((l) => `  ${l}`),
    '</parkingOccupancy>',
    ...(state ? [`<parkingSiteStatus>${state}</parkingSiteStatus>`] : []),
    `<parkingSiteOpeningStatus>${opening}</parkingSiteOpeningStatus>`,
    '</parkingRecordStatus>',
  ]
    .map((l, i, all) => (i === 0 || i === all.length - 1 ? `        ${l}` : `          ${l}`))
    .join('\n');
}

export function datex2ParkingStatus(statuses: readonly CarParkStatus[], o: Datex2Options): string {
  const now = new Date(o.now).toISOString();
  const who = `<country>${xmlEscape(o.country)}</country><nationalIdentifier>${xmlEscape(o.publisher)}</nationalIdentifier>`;
  // parkingRecordStatus is required at least once: with no car park there is no extension at all.
  const extension = statuses.length
    ? [
        '    <genericPublicationExtension>',
        '      <parkingStatusPublication>',
        ...statuses.map((s) => siteStatus(s, o.now)),
        '      </parkingStatusPublication>',
        '    </genericPublicationExtension>',
      ]
    : [];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" modelBaseVersion="2">',
    `  <exchange><supplierIdentification>${who}</supplierIdentification></exchange>`,
    `  <payloadPublication xsi:type="GenericPublication" lang="${xmlEscape(o.lang)}">`,
    `    <publicationTime>${now}</publicationTime>`,
    `    <publicationCreator>${who}</publicationCreator>`,
    '    <genericPublicationName>ParkingStatusPublication</genericPublicationName>',
    ...extension,
    '  </payloadPublication>',
    '</d2LogicalModel>',
    '',
  ].join('\n');
}
