import type { Sequelize } from 'sequelize';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import type { DriverLocationStore } from '../../infra/geo/index.js';
import type { Scheduler } from '../../infra/scheduler/index.js';
import type { MessageSender } from '../../protocol/index.js';

export interface DriverAppDeps {
  sequelize: Sequelize;
  /** config.secrets.adminToken: issuing and revoking driver tokens is the operator's business. */
  adminToken: string;
  /** Its keyed hash is how a driver token is stored and looked up. */
  cipher: FieldCipher;
  driverLocations: DriverLocationStore;
  /** Sends the on_select of an accepted ride and the unsolicited on_status that tells the BAP about each move of a ride. */
  sender: MessageSender;
  /** Runs the allocation batch job that moves on a re-allocation a driver's cancel starts. */
  scheduler: Scheduler;
  /** Epoch milliseconds; decides which location fixes lie in the future. Defaults to Date.now. */
  now?: () => number;
}

export const DRIVER_APP_TAG = 'Driver app';
export const DRIVER_SECURITY = 'driverToken';

