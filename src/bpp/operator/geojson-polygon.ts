import { AppError } from '../../infra/http/index.js';

/** A GeoJSON position as the operator API accepts it: [longitude, latitude]. */
export type Position = [number, number];

export interface GeoJsonPolygon {
  type: 'Polygon';
  coordinates: Position[][];
}

/**
 * Checks what the JSON Schema cannot: the ring is closed, has at least three
 * distinct vertices and does not cross itself. Returns the Postgres `polygon`
 * literal (vertices as (lon,lat), closing vertex dropped: Postgres closes
 * polygons implicitly). Native polygons have no holes, so only one ring is accepted.
 */
export function toPostgresPolygon(polygon: GeoJsonPolygon, field: string): string {
  const ring = polygon.coordinates[0];
  if (!ring || polygon.coordinates.length !== 1) {
    throw invalid(field, 'exactly one linear ring is supported (no holes)');
  }
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (ring.length < 4 || !first || !last) throw invalid(field, 'a linear ring needs at least 4 positions');
  if (first[0] !== last[0] || first[1] !== last[1]) throw invalid(field, 'the linear ring is not closed (first position must equal the last)');
  const vertices = ring.slice(0, -1);
  if (new Set(vertices.map(([lon, lat]) => `${lon},${lat}`)).size < 3) throw invalid(field, 'the ring needs at least 3 distinct vertices');
  if (selfIntersects(vertices)) throw invalid(field, 'the ring crosses itself');
  return `(${vertices.map(([lon, lat]) => `(${lon},${lat})`).join(',')})`;
}

/** Parses a Postgres polygon's text form back into a closed GeoJSON Polygon. */
export function fromPostgresPolygon(text: string): GeoJsonPolygon {
  const numbers = (text.match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi) ?? []).map(Number);
  const ring: Position[] = [];
  for (let i = 0; i + 1 < numbers.length; i += 2) ring.push([numbers[i] as number, numbers[i + 1] as number]);
  const first = ring[0];
  if (first) ring.push([first[0], first[1]]);
  return { type: 'Polygon', coordinates: [ring] };
}

/** Parses a Postgres point's text form `(lon,lat)`. */
export function fromPostgresPoint(text: string): { lat: number; lon: number } {
  const [lon = NaN, lat = NaN] = (text.match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi) ?? []).map(Number);
  return { lat, lon };
}

function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, [{ path: field, message }]);
}

function orientation(a: Position, b: Position, c: Position): number {
  return Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
}

/** Whether two segments properly cross or touch away from a shared endpoint. */
function segmentsIntersect(p1: Position, p2: Position, q1: Position, q2: Position): boolean {
  const o1 = orientation(p1, p2, q1);
  const o2 = orientation(p1, p2, q2);
  const o3 = orientation(q1, q2, p1);
  const o4 = orientation(q1, q2, p2);
  if (o1 !== o2 && o3 !== o4) return true;
  const onSegment = (a: Position, b: Position, c: Position) =>
    Math.min(a[0], b[0]) <= c[0] && c[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= c[1] && c[1] <= Math.max(a[1], b[1]);
  return (
    (o1 === 0 && onSegment(p1, p2, q1)) ||
    (o2 === 0 && onSegment(p1, p2, q2)) ||
    (o3 === 0 && onSegment(q1, q2, p1)) ||
    (o4 === 0 && onSegment(q1, q2, p2))
  );
}

/** O(n²) over edges: operator polygons are small; adjacent edges share a vertex and are skipped. */
function selfIntersects(vertices: Position[]): boolean {
  const n = vertices.length;
  const edge = (i: number): [Position, Position] => [vertices[i] as Position, vertices[(i + 1) % n] as Position];
  for (let i = 0; i < n; i += 1) {
    for (let j = i + 1; j < n; j += 1) {
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) continue;
      const [a, b] = edge(i);
      const [c, d] = edge(j);
      if (segmentsIntersect(a, b, c, d)) return true;
    }
  }
  return false;
}
