/** How long the quote in on_init, on_confirm and the pushed ride orders stays valid. */
export const BOOKING_QUOTE_TTL_SECONDS = 300;

/**
 * Operating cities carry no time zone yet; every ONDC:TRV10 city is in India,
 * so night-shift clock times are read in IST.
 */
export const NIGHT_SHIFT_TIME_ZONE = 'Asia/Kolkata';
