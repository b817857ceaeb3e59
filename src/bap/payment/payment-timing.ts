/** The longest wait between two gateway reads of one payment order or refund; the base delay doubles up to it. */
export const STATUS_CHECK_MAX_DELAY_MS = 10 * 60_000;
