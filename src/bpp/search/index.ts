export { createSearchHandler, SEARCH_ERRORS, type SearchHandlerDeps } from './search-handler.js';
export { buildCatalog, type CatalogEstimate, type CatalogInput } from './search-catalog.js';
export { parseGps, parseSearchStops, type IntentIssue, type SearchStops } from './search-intent.js';
