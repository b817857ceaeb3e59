export { paymentRoutes } from './payment-routes.js';
export { paymentWebhookRoutes } from './payment-webhook.js';
export { PAYMENT_STATUS_CHECK_JOB, createPaymentStatusCheckJob } from './status-check.js';
export { PAYMENT_WINDOW_JOB, createPaymentWindowJob, endUnpaidBooking, schedulePaymentWindow } from './unpaid-booking.js';
