import ngeohash from 'ngeohash';

/**
 * The analytics grid: geohash cells of 7 characters, about 153 m x 153 m at
 * the equator (a city block). Computed here so every event, snapshot and
 * heatmap agrees on the same cells.
 */
export const CELL_PRECISION = 7;

export function cellOf(lat: number, lon: number): string {
  return ngeohash.encode(lat, lon, CELL_PRECISION);
}

/** A cell's outline as a closed GeoJSON ring ([lon, lat] pairs), or null if the text is not a cell. */
export function cellPolygon(cell: string): [number, number][] | null {
  if (!/^[0-9b-hjkmnp-z]{1,12}$/.test(cell)) return null;
  const [minLat, minLon, maxLat, maxLon] = ngeohash.decode_bbox(cell);
  return [
    [minLon, minLat],
    [maxLon, minLat],
    [maxLon, maxLat],
    [minLon, maxLat],
    [minLon, minLat],
  ];
}
