import type { LatLon } from './haversine.js';

const GPS_PATTERN = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Beckn gps "lat,lon" (a space after the comma is common on the wire) -> a point, or null when malformed or out of range. */
export function parseGps(gps: unknown): LatLon | null {
  if (typeof gps !== 'string') return null;
  const match = GPS_PATTERN.exec(gps);
  if (!match) return null;
  const lat = Number(match[1]);
  const lon = Number(match[2]);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { lat, lon };
}
