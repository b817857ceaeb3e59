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
    ride: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['state', 'otp', 'history'],
          properties: {
            state: { type: 'string', description: 'The TRV10 fulfillment state, e.g. RIDE_ASSIGNED … RIDE_ENDED' },
            bppRideId: nullableString,
            driver: { type: 'object', properties: { name: nullableString, phone: nullableString } },
            vehicle: { type: 'object', properties: { number: nullableString, variant: nullableString } },
            otp: nullableString,
            history: { type: 'array', items: { type: 'object', required: ['state', 'at'], properties: { state: { type: 'string' }, at: { type: 'string', format: 'date-time' } } } },
            finalFare: nullableString,
          },
        },
      ],
    },
  },
} as const;
