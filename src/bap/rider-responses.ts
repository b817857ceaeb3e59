/**
 * JSON Schemas of what the rider API answers, for `/openapi.json` (and the
 * clients generated from it). They name the fields a rider app relies on;
 * an answer may carry more.
 */
const uuid = { type: 'string', format: 'uuid' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const money = { type: 'object', required: ['value', 'currency'], properties: { value: nullableString, currency: { type: 'string' } } } as const;

export const riderCreatedSchema = {
  type: 'object',
  required: ['id', 'name', 'mobile_number_masked', 'token'],
  properties: { id: uuid, name: { type: 'string' }, mobile_number_masked: { type: 'string' }, token: { type: 'string', description: 'The rider bearer token, shown once' } },
} as const;

export const searchCreatedSchema = {
  type: 'object',
  required: ['searchId', 'transactionId', 'validUntil'],
  properties: { searchId: uuid, transactionId: uuid, validUntil: { type: 'string', format: 'date-time' } },
} as const;

const estimateSchema = {
  type: 'object',
  required: ['id', 'providerId', 'providerName', 'vehicle', 'fare'],
  properties: {
    id: uuid,
    domain: { ...nullableString, description: 'The domain of the on_search it came from (ONDC:TRV10 or nic2004:60221), in which it is booked' },
    bppId: { type: 'string' },
    providerId: { type: 'string' },
    providerName: nullableString,
    vehicle: { type: 'object', required: ['category', 'variant'], properties: { category: nullableString, variant: nullableString } },
    fare: {
      type: 'object',
      required: ['value', 'min', 'max', 'currency'],
      properties: { value: nullableString, min: nullableString, max: nullableString, currency: { type: 'string' } },
    },
  },
} as const;

export const searchViewSchema = {
  type: 'object',
  required: ['id', 'transactionId', 'status', 'estimates'],
  properties: {
    id: uuid,
    transactionId: uuid,
    status: { type: 'string', enum: ['SEARCHING', 'DONE'] },
    validUntil: { type: 'string', format: 'date-time' },
    estimates: { type: 'array', items: estimateSchema },
  },
} as const;

export const selectAcceptedSchema = { type: 'object', required: ['quoteId'], properties: { quoteId: uuid } } as const;

export const quotesSchema = {
  type: 'object',
  required: ['quotes'],
  properties: {
    quotes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'estimateId', 'status', 'price'],
        properties: {
          id: uuid,
          estimateId: uuid,
          status: { type: 'string', description: 'PENDING until on_select, then RECEIVED, FAILED or EXPIRED' },
          price: { oneOf: [money, { type: 'null' }] },
          driver: { type: 'object', properties: { name: nullableString } },
          vehicle: { type: 'object', properties: { number: nullableString, category: nullableString, variant: nullableString } },
        },
      },
    },
  },
} as const;

export const bookAcceptedSchema = { type: 'object', required: ['bookingId'], properties: { bookingId: uuid } } as const;

export const bookingViewSchema = {
  type: 'object',
  required: ['id', 'status', 'fare', 'currency', 'ride'],
  properties: {
    id: uuid,
    status: { type: 'string', description: 'INITIATING, AWAITING_PAYMENT, CONFIRMING, CONFIRMED, COMPLETED, CANCELLED or FAILED' },
    fare: { type: 'object', properties: { quoted: nullableString, confirmed: nullableString, final: nullableString } },
    currency: { type: 'string' },
    provider: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string' }, name: nullableString } },
    ride: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['state', 'otp', 'history'],
          properties: {
            state: { type: 'string', description: 'The TRV10 fulfillment state: RIDE_CONFIRMED while no driver is assigned, then RIDE_ASSIGNED … RIDE_ENDED' },
            bppRideId: nullableString,
            driver: { type: 'object', properties: { name: nullableString, phone: nullableString } },
            vehicle: { type: 'object', properties: { number: nullableString, variant: nullableString } },
            otp: nullableString,
            history: {
              type: 'array',
              items: {
                type: 'object',
                required: ['state', 'at'],
                properties: {
                  state: { type: 'string' },
                  at: { type: 'string', format: 'date-time', description: 'When the rider side received the state' },
                  providerAt: { type: ['string', 'null'], format: 'date-time', description: "The time the provider gave (its updated_at), as given" },
                },
              },
            },
            finalFare: nullableString,
          },
        },
      ],
    },
  },
} as const;

export const statusRefreshedSchema = {
  allOf: [bookingViewSchema, { type: 'object', required: ['refreshed'], properties: { refreshed: { type: 'boolean', description: 'Whether the provider answered the status request in time' } } }],
} as const;

const feeQuotedSchema = {
  type: 'object',
  required: ['bookingId', 'status', 'reasonCode', 'fee'],
  properties: {
    bookingId: uuid,
    status: { const: 'FEE_QUOTED' },
    reasonCode: { type: 'string' },
    fee: { oneOf: [{ type: 'null' }, money] },
  },
} as const;

export const cancelAnswerSchema = { oneOf: [feeQuotedSchema, bookingViewSchema] } as const;

export const requestPendingSchema = {
  type: 'object',
  required: ['bookingId', 'status', 'messageId'],
  properties: { bookingId: uuid, status: { const: 'PENDING' }, step: { type: 'string' }, messageId: { type: 'string' } },
} as const;
