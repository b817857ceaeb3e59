import type { Sequelize } from 'sequelize';
import type { DriverLocationStore } from '../../infra/geo/index.js';
import type { Logger } from '../../infra/logging/logger.js';
import type { RoutePlanner } from '../domain/index.js';

/** What the after-confirmation handlers need; each takes the part it uses. */
export interface AftercareDeps {
  sequelize: Sequelize;
  driverLocations: DriverLocationStore;
  routePlanner: RoutePlanner;
  /** How long the quote in an answered order stays valid. */
  quoteTtlSeconds: number;
  /** Time zone the fare policy's night-shift clock times are read in. */
  nightShiftTimeZone: string;
  now?: () => Date;
  logger?: Logger;
}

/** The order a request names, and where: `order_id` (core) or `ref_id` (ONDC examples), first found wins. */
export function readOrderRef(message: unknown, fields: readonly string[]): { ref: string; path: string } | null {
  if (typeof message !== 'object' || message === null) return null;
  for (const field of fields) {
    const value = field.split('.').reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), message);
    if (typeof value === 'string' && value.length > 0) return { ref: value, path: `message.${field}` };
  }
  return null;
}
