import { parseGps } from '../../infra/geo/index.js';
import type { LatLon } from '../domain/index.js';

export interface SearchStops {
  start: LatLon;
  end: LatLon;
  /** The stops' gps strings as the BAP sent them, echoed in the catalog's fulfillments. */
  startGps: string;
  endGps: string;
}

export interface IntentIssue {
  paths: string;
  message: string;
}

export { parseGps };

/** START and END of `message.intent.fulfillment.stops`, stop types in either case (PROFILE.md). */
export function parseSearchStops(message: unknown): SearchStops | IntentIssue {
  const stops = (message as { intent?: { fulfillment?: { stops?: unknown } } } | null)?.intent?.fulfillment?.stops;
  const base = 'message.intent.fulfillment.stops';
  if (!Array.isArray(stops)) return { paths: base, message: 'a search needs START and END stops' };
  const find = (type: 'START' | 'END') => {
    const index = stops.findIndex((stop: { type?: unknown }) => typeof stop?.type === 'string' && stop.type.toUpperCase() === type);
    return { index, gps: index < 0 ? undefined : (stops[index] as { location?: { gps?: unknown } }).location?.gps };
  };
  const start = find('START');
  const end = find('END');
  for (const [type, stop] of [['START', start], ['END', end]] as const) {
    if (stop.index < 0) return { paths: base, message: `no ${type} stop` };
    if (parseGps(stop.gps) === null) return { paths: `${base}[${stop.index}].location.gps`, message: `${type} gps must be "lat,lon"` };
  }
  return {
    start: parseGps(start.gps) as LatLon,
    end: parseGps(end.gps) as LatLon,
    startGps: String(start.gps),
    endGps: String(end.gps),
  };
}
