import type { Sequelize } from 'sequelize';
import type { Logger } from '../../infra/logging/logger.js';
import type { PaymentGateway } from '../../payments/gateway/index.js';

/** What paying drivers out needs: the provider side's database and the gateway that moves the money. */
export interface PayoutDeps {
  sequelize: Sequelize;
  gateway: PaymentGateway;
  logger: Logger;
}
