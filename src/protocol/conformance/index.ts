export { checkConformance, conformanceActions, conformanceDataFile, coreMobilityDomain, type ConformanceOptions } from './check-conformance.js';
